import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on 127.0.0.1 in front of a JSON-RPC endpoint: counts requests (and the calls in
 * them), can add latency to each, or hang forever (a node that accepts and never answers).
 */
export interface RpcProxy {
  url: string;
  /** HTTP requests received. */
  requests: number;
  /** JSON-RPC methods received, batches flattened. */
  methods: string[];
  /** Delay added before forwarding, in ms. */
  delayMs: number;
  /** Accept requests and never answer them. */
  hang: boolean;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

export async function startRpcProxy(
  target: string,
  options: { delayMs?: number; hang?: boolean } = {},
): Promise<RpcProxy> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const proxy: RpcProxy = {
    url: '',
    requests: 0,
    methods: [],
    delayMs: options.delayMs ?? 0,
    hang: options.hang ?? false,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      proxy.requests += 1;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        const calls = Array.isArray(parsed) ? parsed : [parsed];
        for (const call of calls) proxy.methods.push(String((call as { method?: unknown }).method));
      } catch {
        proxy.methods.push('<not json>');
      }
      if (proxy.hang) {
        hanging.add(response);
        return;
      }
      if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs));
      try {
        const upstream = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await upstream.text();
        response.writeHead(upstream.status, { 'content-type': 'application/json' });
        response.end(text);
      } catch (error) {
        response.writeHead(502);
        response.end(String(error));
      }
    })();
  });
  // Many parallel requests (the naive benchmark) must not be refused.
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  return proxy;
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
