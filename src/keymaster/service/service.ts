import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../errors.js';
import type { KeymasterMetrics } from './metrics.js';
import { sleep } from '../rpc/rpc.js';
import type { KeymasterLogger, KeymasterRun } from '../types.js';

/**
 * The Keymaster as a service: a run every interval, `/metrics` for Prometheus and `/healthz` for
 * the orchestrator, until the signal aborts (the CLI aborts it on SIGTERM).
 */

/** A network is unhealthy when it has not been swept successfully for this many intervals. */
export const STALE_INTERVALS = 3;

export interface NetworkHealth {
  network: string;
  /** ms since the epoch; undefined before the first successful sweep. */
  lastSuccessAt: number | undefined;
  ageSeconds: number;
  healthy: boolean;
}

export interface HealthReport {
  healthy: boolean;
  networks: NetworkHealth[];
}

/**
 * Pure: each network's age is counted from its last successful sweep, or from the service's
 * start when it never succeeded (a fresh service gets three intervals to get going).
 */
export function healthOf(input: {
  networks: string[];
  lastSuccessAt: ReadonlyMap<string, number>;
  startedAt: number;
  now: number;
  intervalSeconds: number;
}): HealthReport {
  const limitMs = STALE_INTERVALS * input.intervalSeconds * 1000;
  const networks = input.networks.map((network) => {
    const last = input.lastSuccessAt.get(network);
    const ageMs = input.now - (last ?? input.startedAt);
    return {
      network,
      lastSuccessAt: last,
      ageSeconds: Math.max(0, Math.round(ageMs / 1000)),
      healthy: ageMs <= limitMs,
    };
  });
  return { healthy: networks.every((n) => n.healthy), networks };
}

export interface ServeOptions {
  /** One Keymaster run (the CLI binds `runKeymaster` to the environment). */
  runOnce: (signal: AbortSignal) => Promise<KeymasterRun>;
  metrics: KeymasterMetrics;
  /** Networks that must stay swept for /healthz. */
  networks: string[];
  intervalSeconds: number;
  /** Stops the loop and the server. */
  signal: AbortSignal;
  /** Default 9090; 0 picks a free port. */
  port?: number;
  /** Default 0.0.0.0, so a Kubernetes probe and Prometheus can reach it; 127.0.0.1 for local use. */
  host?: string;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Waits between runs; resolves early when the signal aborts. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Push the metrics after each run to this Pushgateway. */
  pushgatewayUrl?: string;
  logger?: KeymasterLogger;
  /** Called after each run (for logs, summaries). */
  onRun?: (run: KeymasterRun) => void;
}

export interface KeymasterService {
  /** `http://host:port` of the metrics server. */
  url: string;
  port: number;
  health(): HealthReport;
  /** Resolves when the loop has stopped and the server is closed. */
  done: Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function serveKeymaster(options: ServeOptions): Promise<KeymasterService> {
  const clock = options.clock ?? Date.now;
  const wait = options.wait ?? sleep;
  const { metrics, logger, signal } = options;
  const startedAt = clock();
  const health = () =>
    healthOf({
      networks: options.networks,
      lastSuccessAt: metrics.lastSuccessAt,
      startedAt,
      now: clock(),
      intervalSeconds: options.intervalSeconds,
    });

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => response.writeHead(500).end('metrics could not be collected\n'),
      );
      return;
    }
    if (path === '/healthz') {
      const report = health();
      response
        .writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(report) + '\n');
      return;
    }
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /metrics or /healthz\n');
  });
  const host = options.host ?? '0.0.0.0';
  const address = await listen(server, options.port ?? 9090, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  logger?.info(`keymaster metrics on ${url}/metrics, health on ${url}/healthz`);

  const loop = async () => {
    while (!signal.aborted) {
      try {
        const run = await options.runOnce(signal);
        metrics.observe(run);
        options.onRun?.(run);
        if (options.pushgatewayUrl) {
          await metrics.push(options.pushgatewayUrl).catch((error: unknown) => {
            logger?.warn(errorMessage(error));
          });
        }
      } catch (error) {
        // A run that throws (not one that reports failures) must not stop the service.
        logger?.warn(`keymaster run failed: ${errorMessage(error)}`);
      }
      if (signal.aborted) break;
      await wait(options.intervalSeconds * 1000, signal);
    }
  };
  const done = loop().finally(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, port: address.port, health, done: done.then(() => undefined) };
}
