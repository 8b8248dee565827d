/**
 * `keys apply` at KMS's request quota: CreateKey and CreateAlias are each paced to 5 a second,
 * so a KMS that enforces the quota (here: the proxy, with KMS's token bucket of 5 per second per
 * operation) throttles nothing, and each key is aliased right after it is made. Progress of the
 * steps goes to the sink given (stderr in the CLI), a line at the start and one at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsThrottlingResponse,
  startLatencyProxy,
  type LatencyProxy,
  type LatencyProxyOptions,
} from '../../bench/latency-proxy.js';
import { keysFor } from '../../src/inventory/keys.js';
import { createProgress } from '../../src/progress.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';

const env = loadEnv('staging');

let moto: { url: string; stop: () => Promise<void> };
const proxies: LatencyProxy[] = [];
beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await moto.stop();
});

/** KMS's quota model: per operation a bucket of `perSecond` tokens, refilled continuously. */
function tokenBucket(perSecond: number) {
  let tokens = perSecond;
  let at = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(perSecond, tokens + ((now - at) / 1000) * perSecond);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

describe('keys apply at the KMS quota', () => {
  it('throttles nothing under a 5/s quota, aliases each key right after it is made, and shows progress', async () => {
    const buckets = { CreateKey: tokenBucket(5), CreateAlias: tokenBucket(5) };
    const throttled: string[] = [];
    const unaliased = new Set<string>();
    let mostUnaliased = 0;
    const quota: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
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
    const accountId = '431300000101';
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

    const result = await runKeysRows({
      env: { ...env, aws: { ...env.aws, accountId } },
      keys,
      clients,
      mode: 'apply',
      progress,
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
