/**
 * `keys apply` at KMS's request quota: CreateKey and CreateAlias are each paced to 5 a second,
 * so a KMS that enforces the quota (here: the proxy, with KMS's token bucket of 5 per second per
 * operation) throttles nothing, and each key is aliased right after it is made. Progress of the
 * steps goes to the sink given (stderr in the CLI), a line at the start and one at the end.
 * The pacer and the quota read one injected clock whose time passes only when the pacer sleeps,
 * so the test does not depend on the machine's speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsThrottlingResponse,
  startLatencyProxy,
  type LatencyProxy,
  type LatencyProxyOptions,
} from '../harness/latency-proxy.js';
import { keysFor } from '../../src/inventory/keys.js';
import { keyStoreFor } from '../../src/plan/keys/keys.js';
import { createProgress } from '../../src/progress.js';
import { nextAccountId } from '../harness/emulators.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';

const env = loadEnv('staging');

let moto: { url: string };
const proxies: LatencyProxy[] = [];
beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

/**
 * Milliseconds that pass only when somebody sleeps on them: the earliest sleeper wakes (the clock
 * jumps to its deadline) once no KMS call is at the proxy, so every call is answered at the
 * moment it was sent, as if KMS answered at once.
 */
function virtualClock(callsAtProxy: () => number) {
  let now = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  let running = false;
  const settle = async () => {
    for (let turn = 0; turn < 5 || callsAtProxy() > 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const run = async () => {
    if (running) return;
    running = true;
    while (sleepers.length > 0) {
      await settle();
      sleepers.sort((a, b) => a.until - b.until);
      const next = sleepers.shift()!;
      now = Math.max(now, next.until);
      next.wake();
    }
    running = false;
  };
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        sleepers.push({ until: now + ms, wake });
        void run();
      }),
  };
}

/** KMS's quota model: per operation a bucket of `perSecond` tokens, refilled continuously. */
function tokenBucket(perSecond: number, clock: () => number) {
  let tokens = perSecond;
  let at = clock();
  return () => {
    const now = clock();
    tokens = Math.min(perSecond, tokens + ((now - at) / 1000) * perSecond);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

describe('keys apply at the KMS quota', () => {
  it('throttles nothing under a 5/s quota, aliases each key right after it is made, and shows progress', async () => {
    let atProxy = 0;
    const clock = virtualClock(() => atProxy);
    const buckets = {
      CreateKey: tokenBucket(5, clock.now),
      CreateAlias: tokenBucket(5, clock.now),
    };
    const throttled: string[] = [];
    const unaliased = new Set<string>();
    let mostUnaliased = 0;
    const quota: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
      atProxy++;
      try {
        return await answer(request, forward, operation);
      } finally {
        atProxy--;
      }
    };
    const answer: NonNullable<LatencyProxyOptions['handle']> = async (
      request,
      forward,
      operation,
    ) => {
      if (operation === 'CreateKey' || operation === 'CreateAlias') {
        if (!buckets[operation]()) {
          throttled.push(operation);
          return awsThrottlingResponse();
        }
      }
      const response = await forward(request);
      if (operation === 'CreateKey' && response.status === 200) {
        const body = JSON.parse(response.body.toString()) as { KeyMetadata: { KeyId: string } };
        unaliased.add(body.KeyMetadata.KeyId);
        mostUnaliased = Math.max(mostUnaliased, unaliased.size);
      }
      if (operation === 'CreateAlias' && response.status === 200) {
        const body = JSON.parse(request.body.toString()) as { TargetKeyId: string };
        unaliased.delete(body.TargetKeyId);
      }
      return response;
    };
    const accountId = nextAccountId();
    const proxy = await startLatencyProxy({ target: moto.url, handle: quota });
    proxies.push(proxy);
    const clients = await clientsFor(moto.url, accountId, env.aws.region, proxy.url);
    const keys = keysFor(env).slice(0, 12);
    const lines: string[] = [];
    const progress = createProgress({
      sink: { write: (text) => void lines.push(text), isTTY: false },
      label: 'keys apply',
      everyMs: 1000,
    });

    const envOfAccount = { ...env, aws: { ...env.aws, accountId } };
    const result = await runKeysRows({
      env: envOfAccount,
      keys,
      clients,
      mode: 'apply',
      progress,
      store: keyStoreFor(envOfAccount, clients, { now: clock.now, sleep: clock.sleep }),
    });

    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    expect(result.ok).toBe(true);
    expect(throttled).toEqual([]);
    expect(proxy.counts()).toMatchObject({ CreateKey: keys.length, CreateAlias: keys.length });
    // Never more than a handful of keys without their alias (all of them, unpaced).
    expect(mostUnaliased).toBeGreaterThan(0);
    expect(mostUnaliased).toBeLessThanOrEqual(5);
    expect(unaliased.size).toBe(0);
    const steps = 2 * keys.length;
    expect(lines[0]).toBe(`keys apply: 0/${steps} steps\n`);
    expect(lines.at(-1)).toMatch(new RegExp(`^keys apply: ${steps}/${steps} steps`));
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });
});
