/**
 * A no-change key plan of a production-sized environment (18 networks × 6 key names + the bank =
 * 109 keys) against moto behind KMS's latency and quotas, with moto's answers replayed so that
 * only round trips count (bench/support/kms-proxy.ts). Side by side in the same run: nomad-ops's plan
 * (runKeys, in-process) and the sequential script as Nomad ran it (one key at a time,
 * DescribeKey then GetPublicKey, then the leftover search page by page), for the same output.
 *
 *   npm run bench -- keys-plan [--quick] [--runs N]
 */
import {
  DescribeKeyCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { createAwsClients, type AwsClients } from '../src/aws/clients.js';
import { addressFromSpki } from '../src/eth/address.js';
import { keysFor } from '../src/inventory/keys.js';
import type { KeySpec } from '../src/inventory/types.js';
import { runKeys } from '../src/plan/keys/keys.js';
import { keyRows } from '../src/plan/keys/rows.js';
import { motoCredentials, startMoto } from '../test/harness/moto.js';
import {
  benchOptions,
  duration,
  heading,
  ratio,
  spread,
  summarize,
  table,
  targetLine,
} from './support/common.js';
import { productionSizedEnvironment } from './support/environment.js';
import { KMS_QUOTAS, listCounts, startKmsBenchProxy, totalOf } from './support/kms-proxy.js';

export const AWS_LATENCY_MS = 50;
const ACCOUNT = '400000000001';

/** Nomad's script: one alias after another, DescribeKey then GetPublicKey. */
async function sequentialTable(kms: KMSClient, keys: KeySpec[]): Promise<string[]> {
  const addresses: string[] = [];
  for (const key of keys) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.alias }));
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    addresses.push(addressFromSpki(PublicKey!));
  }
  return addresses;
}

/** The leftover search done plainly: every page in turn, then each unaliased key's tags in turn. */
async function sequentialLeftovers(kms: KMSClient): Promise<string[]> {
  const aliased = new Set<string>();
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListAliasesCommand({ Limit: 100, Marker: marker }));
    for (const a of page.Aliases ?? []) if (a.TargetKeyId) aliased.add(a.TargetKeyId);
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  const leftovers: string[] = [];
  do {
    const page = await kms.send(new ListKeysCommand({ Limit: 100, Marker: marker }));
    for (const k of page.Keys ?? []) {
      if (aliased.has(k.KeyId!)) continue;
      const { Tags = [] } = await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId }));
      if (Tags.some((t) => t.TagKey === 'managed-by')) leftovers.push(k.KeyId!);
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return leftovers;
}

interface Run {
  ms: number;
  counts: Record<string, number>;
  throttled: number;
}

/**
 * The physical bound of a set of calls: one round trip (every call of a plan can go at once),
 * plus what each operation's quota adds beyond its one-second burst.
 */
export function quotaBoundMs(counts: Record<string, number>, latencyMs: number): number {
  let quotaMs = 0;
  for (const [op, n] of Object.entries(counts)) {
    const rate = KMS_QUOTAS[op];
    if (rate !== undefined) quotaMs = Math.max(quotaMs, (Math.max(0, n - rate) / rate) * 1000);
  }
  return latencyMs + quotaMs;
}

async function main() {
  const options = benchOptions();
  const moto = await startMoto();
  const { env, dispose } = productionSizedEnvironment(ACCOUNT);
  dispose();
  const keys = keysFor(env);
  const proxy = await startKmsBenchProxy({
    target: moto.url,
    latencyMs: AWS_LATENCY_MS,
    replay: true,
  });
  const clients: AwsClients[] = [];
  try {
    const credentials = await motoCredentials(moto.url, ACCOUNT);
    const direct = createAwsClients({ region: env.aws.region, endpoint: moto.url, credentials });
    const slow = createAwsClients({ region: env.aws.region, endpoint: proxy.url, credentials });
    clients.push(direct, slow);
    const provisioned = await runKeys({ env, keys, clients: direct, mode: 'apply' });
    if (!provisioned.ok) throw new Error('could not provision the keys on moto');

    const sequential = async () => {
      const addresses = await sequentialTable(slow.kms, keys);
      if ((await sequentialLeftovers(slow.kms)).length !== 0) {
        throw new Error('the benchmark account should have no leftovers');
      }
      return addresses;
    };
    const ours = async () => {
      const result = await runKeys({ env, keys, clients: slow, mode: 'plan' });
      if (!result.ok || result.changes.some((c) => c.action !== 'exists')) {
        throw new Error('the benchmark plan should find every key in place');
      }
      return keyRows(result).map((r) => r.address);
    };
    // Warm-up without latency: records moto's answers for the replay, loads the code paths.
    proxy.proxy.setLatency(0);
    const expected = await sequential();
    if ((await ours()).some((a, i) => a !== expected[i])) {
      throw new Error('ours and the sequential way disagree on an address');
    }
    proxy.proxy.setLatency(AWS_LATENCY_MS);

    const measure = async (way: () => Promise<unknown>): Promise<Run> => {
      proxy.reset();
      const started = performance.now();
      await way();
      const ms = performance.now() - started;
      return { ms, counts: proxy.proxy.counts(), throttled: totalOf(proxy.throttled()) };
    };
    const runs: Record<'sequential' | 'ours', Run[]> = { sequential: [], ours: [] };
    for (let i = 0; i < options.runs; i++) {
      // Alternate the order so drifting load on the machine does not favour one way.
      if (i % 2 === 0) {
        runs.sequential.push(await measure(sequential));
        runs.ours.push(await measure(ours));
      } else {
        runs.ours.push(await measure(ours));
        runs.sequential.push(await measure(sequential));
      }
    }

    heading(
      `No-change key plan: ${keys.length} keys, +${AWS_LATENCY_MS} ms per call, KMS quotas`,
      options,
      `\`bench/keys-plan.bench.ts\`: ${env.networks.length} networks × ${env.keyNames.length} key names + the bank, ` +
        `already provisioned on moto; every call pays ${AWS_LATENCY_MS} ms and KMS's quotas (throttled beyond them), ` +
        `and moto's recorded answers are replayed, so a call costs the latency and nothing else.`,
    );
    const rows = (['sequential', 'ours'] as const).map((way) => {
      const rs = runs[way];
      const last = rs.at(-1)!;
      const calls = totalOf(last.counts);
      const wall = summarize(rs.map((r) => r.ms));
      const bound =
        way === 'sequential' ? calls * AWS_LATENCY_MS : quotaBoundMs(last.counts, AWS_LATENCY_MS);
      return { way, calls, last, wall, bound, throttled: Math.max(...rs.map((r) => r.throttled)) };
    });
    const [seq, our] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const speedUp = seq.wall.median / our.wall.median;
    const oursBound = quotaBoundMs(our.last.counts, AWS_LATENCY_MS);
    console.log(
      table(
        [
          'way',
          'KMS calls',
          'per key',
          'calls by operation',
          'throttled',
          'wall time',
          'bound',
          'ratio to bound',
          'speed-up',
        ],
        rows.map((r) => [
          r.way === 'sequential'
            ? "Nomad's script: one key at a time, DescribeKey + GetPublicKey, then the leftover search page by page"
            : 'nomad-ops keys plan (runKeys)',
          String(r.calls),
          (r.calls / keys.length).toFixed(2),
          listCounts(r.last.counts),
          String(r.throttled),
          spread(r.wall),
          duration(r.bound),
          ratio(r.wall.median, r.bound),
          r.way === 'sequential' ? '1×' : `${speedUp.toFixed(1)}×`,
        ]),
        ['l', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    console.log(
      `\nBounds: the sequential way's own is calls × ${AWS_LATENCY_MS} ms (each call waits for the one before); ` +
        `ours is one round trip (every read of a plan can go at once) plus what the quotas add ` +
        `beyond their one-second burst (${KMS_QUOTAS.GetPublicKey}/s for GetPublicKey and DescribeKey).\n`,
    );
    console.log(
      targetLine(
        'at most 2 calls per key',
        our.calls <= 2 * keys.length,
        `${(our.calls / keys.length).toFixed(2)} per key`,
      ),
    );
    console.log(
      targetLine(
        'within 2× of the round-trip bound at the quota',
        our.wall.median <= 2 * oursBound,
        `${ratio(our.wall.median, oursBound)} of ${duration(oursBound)}`,
      ),
    );
    console.log(
      targetLine(
        'at least 10× the sequential way',
        speedUp >= 10,
        `${speedUp.toFixed(1)}× on medians`,
      ),
    );
  } finally {
    for (const c of clients)
      for (const client of [c.kms, c.kmsSingleAttempt, c.sts]) client.destroy();
    await proxy.stop();
    await moto.stop();
  }
}

await main();
