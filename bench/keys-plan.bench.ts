/**
 * A no-change key plan over a production-sized environment (18 networks × 6 key names + bank =
 * 109 keys) against moto behind a proxy adding 25 ms per call: ours (concurrent DescribeKey by
 * alias, then GetPublicKey, bounded by the adapter's limiter, and one listing of aliases and keys
 * for leftovers) against the naive way of Nomad's script (per alias, sequentially: DescribeKey,
 * then GetPublicKey) followed, for the same output, by the naive leftover search (ListAliases and
 * ListKeys page after page, then the tags of each key no alias points at, one after another).
 *
 *   npx tsx bench/keys-plan.bench.ts
 */
import { resolve } from 'node:path';
import {
  DescribeKeyCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { createAwsClients } from '../src/aws/clients.js';
import { loadEnvironmentFile } from '../src/config/load.js';
import type { ResolvedEnvironment, ResolvedNetwork } from '../src/config/model.js';
import { addressFromSpki } from '../src/eth/address.js';
import { keysFor } from '../src/inventory/keys.js';
import type { KeySpec } from '../src/inventory/types.js';
import { runKeys } from '../src/plan/keys.js';
import { motoCredentials, startMoto } from '../test/harness/moto.js';
import { startLatencyProxy } from './latency-proxy.js';

const LATENCY_MS = 25;
const NETWORKS = 18;
const ACCOUNT = '400000000001';

function productionSized(): ResolvedEnvironment {
  const loaded = loadEnvironmentFile(
    resolve(import.meta.dirname, '../environments/production.yaml'),
  );
  if (!loaded.ok) throw new Error('environments/production.yaml does not load');
  const env = loaded.env;
  const template = env.networks[0]!;
  const networks: ResolvedNetwork[] = Array.from({ length: NETWORKS }, (_, i) =>
    i < env.networks.length
      ? env.networks[i]!
      : { ...template, name: `mainnet${i + 1}`, chainId: 900000 + i, replicas: [] },
  );
  return { ...env, networks };
}

/** Nomad's script: one alias after another, DescribeKey then GetPublicKey. */
async function naivePlan(kms: KMSClient, keys: KeySpec[]): Promise<string[]> {
  const addresses: string[] = [];
  for (const key of keys) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.alias }));
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    addresses.push(addressFromSpki(PublicKey!));
  }
  return addresses;
}

/** The leftover search done plainly: every page in turn, then each unaliased key's tags in turn. */
async function naiveLeftovers(kms: KMSClient): Promise<string[]> {
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

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort()
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');

async function main() {
  const env = productionSized();
  const keys = keysFor(env);
  const moto = await startMoto();
  const proxy = await startLatencyProxy({ target: moto.url, latencyMs: LATENCY_MS });
  try {
    const credentials = await motoCredentials(moto.url, ACCOUNT);
    const direct = createAwsClients({ region: env.aws.region, endpoint: moto.url, credentials });
    const slow = createAwsClients({ region: env.aws.region, endpoint: proxy.url, credentials });

    const provisioned = await runKeys({ env, keys, clients: direct, mode: 'apply' });
    if (!provisioned.ok) throw new Error('could not provision the keys on moto');

    // Warm up connections and code paths once, uncounted.
    await runKeys({ env, keys, clients: slow, mode: 'plan' });

    proxy.reset();
    let started = performance.now();
    const naiveAddresses = await naivePlan(slow.kms, keys);
    const naiveTable = { ms: performance.now() - started, counts: proxy.counts() };
    const naiveLeft = await naiveLeftovers(slow.kms);
    const naive = { ms: performance.now() - started, counts: proxy.counts() };

    proxy.reset();
    started = performance.now();
    const ours = await runKeys({ env, keys, clients: slow, mode: 'plan' });
    const oursRun = { ms: performance.now() - started, counts: proxy.counts() };

    if (naiveLeft.length !== 0) throw new Error('the benchmark account should have no leftovers');
    if (!ours.ok || ours.changes.some((c) => c.action !== 'exists')) {
      throw new Error('the benchmark plan should find every key in place');
    }
    if (ours.rows.some((r, i) => r.address !== naiveAddresses[i])) {
      throw new Error('ours and the naive way disagree on an address');
    }

    const speedUp = naive.ms / oursRun.ms;
    console.log(
      `### No-change key plan: ${keys.length} keys (${NETWORKS} networks × ${env.keyNames.length} key names + bank), moto + ${LATENCY_MS} ms per call\n`,
    );
    console.log('| way | KMS calls | calls by operation | wall time | speed-up |');
    console.log('| --- | ---: | --- | ---: | ---: |');
    console.log(
      `| naive table only (sequential DescribeKey, GetPublicKey per alias; no leftovers) | ${total(naiveTable.counts)} | ${describeCounts(naiveTable.counts)} | ${naiveTable.ms.toFixed(0)} ms | |`,
    );
    console.log(
      `| naive, same output (the table, then the leftover search page by page) | ${total(naive.counts)} | ${describeCounts(naive.counts)} | ${naive.ms.toFixed(0)} ms | 1× |`,
    );
    console.log(
      `| nomad-ops keys plan (concurrent, limiter 16 reads) | ${total(oursRun.counts)} | ${describeCounts(oursRun.counts)} | ${oursRun.ms.toFixed(0)} ms | ${speedUp.toFixed(1)}× |`,
    );
    const targetMet = speedUp >= 10 && total(oursRun.counts) <= total(naive.counts);
    console.log(
      `\nTarget (≥ 10× faster than the naive way with the same output, no more calls): ${targetMet ? 'met' : 'NOT met'}`,
    );
    console.log(
      `Listing leftovers costs ${total(oursRun.counts) - total(naiveTable.counts)} calls over the table alone: ` +
        'a page of ListAliases and of ListKeys per 100, none per key.',
    );
    for (const c of [direct, slow])
      for (const client of [c.kms, c.sts, c.secrets]) client.destroy();
  } finally {
    await proxy.stop();
    await moto.stop();
  }
}

await main();
