/**
 * moto behind what makes it behave like KMS at a distance: a fixed latency per call, KMS's
 * per-operation request quotas (a token bucket per operation holding one second's worth, answering
 * ThrottlingException beyond it, as KMS does), and (for read-only benchmarks) a replay of moto's
 * recorded answers, so that moto's own time per call, which grows with concurrency on a busy
 * machine, stays out of the figures: a call then costs the latency and nothing else.
 */
import {
  awsOperation,
  awsThrottlingResponse,
  startLatencyProxy,
  type LatencyProxy,
  type ProxyResponse,
} from '../../test/harness/latency-proxy.js';

/**
 * KMS request quotas per account and region (requests per second) for the operations the
 * toolkit calls; DESIGN §3 for CreateKey, CreateAlias, GetPublicKey and Sign, the AWS KMS quotas
 * page for the rest. Operations not listed are not limited here.
 */
export const KMS_QUOTAS: Readonly<Record<string, number>> = {
  CreateKey: 5,
  CreateAlias: 5,
  GetPublicKey: 2000,
  DescribeKey: 2000,
  GetKeyPolicy: 1000,
  ListAliases: 500,
  ListKeys: 500,
  ListGrants: 100,
  ListResourceTags: 2000,
  Sign: 300,
};

export interface KmsBenchProxyOptions {
  target: string;
  latencyMs: number;
  /** Requests per second per operation; default KMS_QUOTAS. */
  quotas?: Readonly<Record<string, number>>;
  /** Serve repeated read calls from recorded answers (never for writes). */
  replay?: boolean;
}

export interface KmsBenchProxy {
  url: string;
  proxy: LatencyProxy;
  /** Calls answered ThrottlingException, per operation, since the last reset. */
  throttled(): Record<string, number>;
  /** Calls answered from recorded answers since the last reset. */
  replayed(): number;
  /** Most keys created (CreateKey answered) without an alias yet at any moment since the reset. */
  maxKeysWithoutAlias(): number;
  reset(): void;
  stop(): Promise<void>;
}

/** Calls that read and never change anything: safe to answer from a recording. */
const READS = new Set([
  'GetPublicKey',
  'DescribeKey',
  'GetKeyPolicy',
  'ListAliases',
  'ListKeys',
  'ListGrants',
  'ListResourceTags',
  'GetCallerIdentity',
]);

export async function startKmsBenchProxy(options: KmsBenchProxyOptions): Promise<KmsBenchProxy> {
  const quotas = options.quotas ?? KMS_QUOTAS;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let throttled: Record<string, number> = {};
  let replayed = 0;
  let withoutAlias = 0;
  let maxWithoutAlias = 0;
  const recorded = new Map<string, ProxyResponse>();

  /** Takes a token from the operation's bucket; false when it is empty (the call is throttled). */
  const admit = (operation: string): boolean => {
    const rate = quotas[operation];
    if (rate === undefined) return true;
    const now = performance.now();
    const bucket = buckets.get(operation) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    buckets.set(operation, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const proxy = await startLatencyProxy({
    target: options.target,
    latencyMs: options.latencyMs,
    operationOf: awsOperation,
    handle: async (request, forward, op) => {
      const operation = Array.isArray(op) ? op.join(',') : op;
      if (!admit(operation)) {
        throttled[operation] = (throttled[operation] ?? 0) + 1;
        return awsThrottlingResponse();
      }
      const key = `${operation} ${request.path} ${request.body.toString('utf8')}`;
      const replayable = options.replay && READS.has(operation);
      const cached = replayable ? recorded.get(key) : undefined;
      if (cached) {
        replayed++;
        return cached;
      }
      const response = await forward(request);
      const ok = response.status >= 200 && response.status < 300;
      if (ok && replayable) recorded.set(key, response);
      if (ok && operation === 'CreateKey') {
        withoutAlias++;
        maxWithoutAlias = Math.max(maxWithoutAlias, withoutAlias);
      }
      if (ok && operation === 'CreateAlias') withoutAlias--;
      return response;
    },
  });
  return {
    url: proxy.url,
    proxy,
    throttled: () => ({ ...throttled }),
    replayed: () => replayed,
    maxKeysWithoutAlias: () => maxWithoutAlias,
    reset: () => {
      proxy.reset();
      throttled = {};
      replayed = 0;
      withoutAlias = 0;
      maxWithoutAlias = 0;
      buckets.clear();
    },
    stop: () => proxy.stop(),
  };
}

export const totalOf = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

export const listCounts = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n}`)
    .join(', ') || 'none';
