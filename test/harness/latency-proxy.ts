import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * An HTTP proxy on 127.0.0.1 in front of an emulator (moto, a JSON-RPC node) that adds a fixed
 * latency to every request, counts requests by operation, and lets a test answer or rewrite any
 * request (fault injection). Protocol-agnostic: `operationOf` names the operation; helpers below
 * know AWS (JSON and query protocols) and JSON-RPC.
 */
export interface ProxyRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Forward = (request: ProxyRequest) => Promise<ProxyResponse>;

/** What `handle` returns to close the client's connection without any answer (a lost answer). */
export const DROP_CONNECTION = 'drop-connection';

export interface LatencyProxyOptions {
  /** Where requests go, e.g. `http://127.0.0.1:5000`. */
  target: string;
  /** Added to every request before it is forwarded (or answered by `handle`). Default 0. */
  latencyMs?: number;
  /** Operation name(s) of a request, for the counts (a JSON-RPC batch has several). */
  operationOf?: (request: ProxyRequest) => string | string[];
  /** Answer or rewrite a request; call `forward` to pass it on. Default: forward as is. */
  handle?: (
    request: ProxyRequest,
    forward: Forward,
    operation: string | string[],
  ) => Promise<ProxyResponse | typeof DROP_CONNECTION>;
}

export interface LatencyProxy {
  url: string;
  /** Requests received per operation since the start or the last reset. */
  counts(): Record<string, number>;
  /** Requests received (a batch counts once). */
  requests(): number;
  reset(): void;
  /** Changes the added latency from the next request on (warm-ups run at 0). */
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

/** AWS operation: `X-Amz-Target` (JSON protocol), `Action=` (query protocol), else method + path. */
export function awsOperation(request: ProxyRequest): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1);
  const query = new URLSearchParams(request.path.split('?')[1] ?? '');
  const form = new URLSearchParams(request.body.toString('utf8'));
  return (
    query.get('Action') ?? form.get('Action') ?? `${request.method} ${request.path.split('?')[0]}`
  );
}

/** JSON-RPC method, or every method of a batch. */
export function jsonRpcOperation(request: ProxyRequest): string | string[] {
  try {
    const body = JSON.parse(request.body.toString('utf8')) as unknown;
    const methodOf = (m: unknown) =>
      typeof m === 'object' && m !== null && typeof (m as { method?: unknown }).method === 'string'
        ? (m as { method: string }).method
        : 'invalid';
    return Array.isArray(body) ? body.map(methodOf) : methodOf(body);
  } catch {
    return 'invalid';
  }
}

/** The answer AWS JSON-protocol services give when a caller is throttled (retryable). */
export function awsThrottlingResponse(): ProxyResponse {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' })),
  };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
]);

function forwardTo(target: URL): Forward {
  return (request) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      headers['content-length'] = String(request.body.length);
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          headers,
        },
        (incoming) => {
          readBody(incoming).then((body) => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name)) {
                out[name] = Array.isArray(value) ? value.join(', ') : value;
              }
            }
            resolve({ status: incoming.statusCode ?? 502, headers: out, body });
          }, reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(options.target);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    throw new Error(`latency proxy only forwards to 127.0.0.1, not ${target.hostname}`);
  }
  const forward = forwardTo(target);
  const operationOf = options.operationOf ?? awsOperation;
  const handle = options.handle ?? ((request, fwd) => fwd(request));
  let counts: Record<string, number> = {};
  let requests = 0;
  let latencyMs = options.latencyMs ?? 0;

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const request: ProxyRequest = {
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: req.headers,
          body: await readBody(req),
        };
        const operation = operationOf(request);
        requests++;
        for (const op of Array.isArray(operation) ? operation : [operation]) {
          counts[op] = (counts[op] ?? 0) + 1;
        }
        if (latencyMs) await sleep(latencyMs);
        const response = await handle(request, forward, operation);
        if (response === DROP_CONNECTION) {
          req.socket.destroy();
          return;
        }
        res.writeHead(response.status, {
          ...response.headers,
          'content-length': String(response.body.length),
        });
        res.end(response.body);
      } catch (error) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`latency proxy: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });
  // Keep-alive sockets from SDK clients must not hold `stop` open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    requests: () => requests,
    reset: () => {
      counts = {};
      requests = 0;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
