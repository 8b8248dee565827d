import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsProxy {
  url: string;
  /** Every KMS operation that reached the proxy, in order (`Sign`, `GetPublicKey`, …). */
  operations: string[];
  /** How many requests were answered with a ThrottlingException. */
  throttled: number;
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of moto that counts KMS operations and can answer the first
 * `throttleFirst` of them with KMS's throttling error, as real KMS does past 300 Sign/s.
 */
export async function startKmsProxy(
  targetUrl: string,
  options: { throttleFirst?: number } = {},
): Promise<KmsProxy> {
  const target = new URL(targetUrl);
  const state = { operations: [] as string[], throttled: 0 };
  const server = createServer((req, res) => {
    const amzTarget = String(req.headers['x-amz-target'] ?? '');
    const operation = amzTarget.startsWith('TrentService.') ? amzTarget.slice(13) : undefined;
    if (operation) state.operations.push(operation);
    if (operation && state.throttled < (options.throttleFirst ?? 0)) {
      state.throttled++;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      return;
    }
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get operations() {
      return state.operations;
    },
    get throttled() {
      return state.throttled;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
