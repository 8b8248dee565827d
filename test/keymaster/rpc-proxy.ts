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
  /**
   * A provider's batch limit: a batch of more calls is refused with a JSON-RPC error object
   * (`refuse`), an HTTP 413 (`http`), or answered for its first `maxBatch` calls only (`truncate`).
   */
  maxBatch?: number;
  overBatch?: 'refuse' | 'http' | 'truncate';
  /** Refuse every batch, even of one call; plain requests are served. */
  noBatches?: boolean;
  /** Calls per HTTP request received (a plain request counts 1). */
  batchSizes: number[];
  /** Methods received as plain (not batch) requests. */
  plainMethods: string[];
  /**
   * Answer each batch in reverse order (JSON-RPC 2.0 lets a server answer a batch in any order;
   * only the ids tie an answer to its call).
   */
  reorder?: boolean;
  /** Answers a call with this JSON-RPC error message instead of forwarding it (a node refusing it). */
  refuse?: ((call: { method: string; params: unknown[] }) => string | undefined) | undefined;
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
    batchSizes: [],
    plainMethods: [],
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
      let batchLength: number | undefined;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        const calls = Array.isArray(parsed) ? parsed : [parsed];
        if (Array.isArray(parsed)) batchLength = parsed.length;
        else proxy.plainMethods.push(String((parsed as { method?: unknown }).method));
        proxy.batchSizes.push(calls.length);
        for (const call of calls) proxy.methods.push(String((call as { method?: unknown }).method));
      } catch {
        proxy.methods.push('<not json>');
      }
      if (proxy.hang) {
        hanging.add(response);
        return;
      }
      if (batchLength !== undefined && proxy.noBatches) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32600, message: 'batch requests are not supported' },
          }),
        );
        return;
      }
      if (
        batchLength !== undefined &&
        proxy.maxBatch !== undefined &&
        batchLength > proxy.maxBatch &&
        proxy.overBatch !== 'truncate'
      ) {
        if (proxy.overBatch === 'http') {
          response.writeHead(413, { 'content-type': 'text/plain' });
          response.end('request entity too large');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32005, message: `batch size exceeds ${proxy.maxBatch}` },
          }),
        );
        return;
      }
      if (proxy.delayMs > 0) await new Promise((r) => setTimeout(r, proxy.delayMs));
      try {
        const refused = proxy.refuse ? refusals(body, proxy.refuse) : undefined;
        if (refused) {
          const answers = refused.forward.length
            ? ((await (
                await fetch(target, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify(refused.forward),
                })
              ).json()) as unknown[])
            : [];
          const all = [...answers, ...refused.errors];
          if (proxy.reorder) all.reverse();
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(refused.batch ? all : all[0]));
          return;
        }
        const upstream = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        let text = await upstream.text();
        if (
          batchLength !== undefined &&
          proxy.maxBatch !== undefined &&
          proxy.overBatch === 'truncate' &&
          batchLength > proxy.maxBatch
        ) {
          text = JSON.stringify((JSON.parse(text) as unknown[]).slice(0, proxy.maxBatch));
        }
        if (batchLength !== undefined && proxy.reorder && upstream.ok) {
          text = JSON.stringify((JSON.parse(text) as unknown[]).reverse());
        }
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

interface Call {
  id: unknown;
  method: string;
  params: unknown[];
}

/** Splits a request into the calls to forward and error answers for the refused ones. */
function refusals(
  body: Buffer,
  refuse: (call: { method: string; params: unknown[] }) => string | undefined,
): { batch: boolean; forward: Call[]; errors: unknown[] } | undefined {
  const parsed = JSON.parse(body.toString('utf8')) as Call | Call[];
  const batch = Array.isArray(parsed);
  const calls = batch ? parsed : [parsed];
  const forward: Call[] = [];
  const errors: unknown[] = [];
  for (const call of calls) {
    const message = refuse(call);
    if (message === undefined) forward.push(call);
    else errors.push({ jsonrpc: '2.0', id: call.id, error: { code: -32000, message } });
  }
  return errors.length === 0 ? undefined : { batch, forward, errors };
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
