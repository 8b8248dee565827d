import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A JSON-RPC endpoint behind HTTP Basic auth, as node providers that hand out
 * `https://user:password@host/` URLs run it: requests without the right `Authorization` header
 * get 401, the others are forwarded to `target` (a harness chain). Counts both. Without a user
 * it checks only the path (with its query): a provider whose key is in the path or the query.
 */
export interface BasicAuthProxy {
  url: string;
  /** The URL with the credentials in its userinfo (percent-encoded). */
  urlWithCredentials: string;
  accepted: number;
  refused: number;
  close(): Promise<void>;
}

export async function startBasicAuthProxy(
  target: string,
  user: string,
  password: string,
  path = '/',
): Promise<BasicAuthProxy> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const proxy: BasicAuthProxy = {
    url: '',
    urlWithCredentials: '',
    accepted: 0,
    refused: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      const authorized = !user || request.headers.authorization === expected;
      if (!authorized || request.url !== path) {
        proxy.refused += 1;
        response.writeHead(401, { 'www-authenticate': 'Basic realm="rpc"' }).end('unauthorized');
        return;
      }
      proxy.accepted += 1;
      try {
        const upstream = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(parts),
        });
        response.writeHead(upstream.status, { 'content-type': 'application/json' });
        response.end(await upstream.text());
      } catch {
        response.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}${path}`;
  proxy.urlWithCredentials = user
    ? `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}${path}`
    : proxy.url;
  return proxy;
}
