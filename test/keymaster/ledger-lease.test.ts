/**
 * One payer per bank and a ledger of every payment, on moto (S3 conditional writes) and the
 * harness chains: two Keymasters started together pay once; a payer killed after broadcasting
 * and before its ledger records leaves its lease to expire, and the next run records every
 * transfer and pays none twice.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { s3StateObjects, type StateObjects } from '../../src/aws/state-objects.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import type { StatefulRun } from '../../src/jobs/keymaster-state.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { keysJob } from '../../src/jobs/keys.js';
import { LEASE_KEY, stateBucketName } from '../../src/inventory/keymaster-state.js';
import { parseRecord, type LedgerRecord } from '../../src/keymaster/ledger.js';
import { rpcCall } from '../../src/keymaster/rpc.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { bucketSuffix, nextAccountId, requireChains } from '../harness/emulators.js';
import { balanceOf, fund } from './chains.js';

/** This file's funding key on the shared chains (unused by every other file). */
const FUNDER = FUNDED_PRIVATE_KEYS[3]!;

interface Bench {
  env: ResolvedEnvironment;
  clients: AwsClients;
  vars: Record<string, string>;
  objects: StateObjects;
  bank: string;
}

/** A development environment of its own on the harness chains: keys applied, bank funded, state bucket made. */
async function bench(): Promise<Bench> {
  const account = nextAccountId();
  const { cwd, vars } = await developmentWorkspace(account);
  appendFileSync(
    path.join(cwd, 'environments/development.yaml'),
    `proofsBucket:\n  name: nomadxyz-development-proofs-${bucketSuffix(account)}\n`,
  );
  const env = loadEnvironment('development', cwd);
  const clients = await awsForEnvironment(env, vars);
  const applied = await keysJob(env, clients, 'apply', { commit: 'c'.repeat(40) });
  expect(applied.ok).toBe(true);
  const bank = applied.json.keys.find((k) => k.purpose === 'bank')!.address;
  for (const chain of requireChains()) {
    await fund(chain.url, FUNDER, chain.chainId, [{ to: bank, wei: 30n * 10n ** 18n }]);
  }
  // Until the bucket plan creates it (see the report), the test makes the state bucket itself.
  const bucket = stateBucketName(env);
  expect(bucket).toBe(`nomadxyz-development-keymaster-${bucketSuffix(account)}`);
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await clients.s3.send(
    new PutBucketVersioningCommand({
      Bucket: bucket,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  return { env, clients, vars, objects: s3StateObjects(clients.s3, bucket), bank };
}

async function records(objects: StateObjects): Promise<LedgerRecord[]> {
  const keys = await objects.list('ledger/records/');
  return Promise.all(
    keys.map(async (key) => {
      const parsed = parseRecord((await objects.get(key))!.body);
      if (typeof parsed === 'string') throw new Error(`${key}: ${parsed}`);
      return parsed;
    }),
  );
}

async function nonceOf(url: string, address: string): Promise<number> {
  return Number(
    (await rpcCall(
      url,
      { method: 'eth_getTransactionCount', params: [address, 'latest'] },
      { timeoutMs: 5000 },
    )) as string,
  );
}

describe('one payer per bank, every payment in the ledger', () => {
  it('two Keymasters started together: one pays, the other names the holder and pays nothing', async () => {
    const b = await bench();
    const first = keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:keymaster-a' },
    });
    const second = keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'github:nomad/ops/runs/7/1' },
    });
    const runs = (await Promise.all([
      first.runOnce({ dryRun: false }),
      second.runOnce({ dryRun: false }),
    ])) as StatefulRun[];

    const payers = runs.filter((r) => r.lease?.held);
    expect(payers).toHaveLength(1);
    const payer = payers[0]!;
    const other = runs.find((r) => r !== payer)!;
    expect(payer.sent.length).toBeGreaterThan(0);
    expect(payer.sent.every((t) => t.status === 'mined')).toBe(true);
    expect(other.sent).toEqual([]);
    // The other one still read every balance and says who pays.
    expect(other.before.length).toBe(payer.before.length);
    const holder = payer === runs[0] ? 'pod:keymaster-a' : 'github:nomad/ops/runs/7/1';
    expect(other.lease?.holder?.holder).toBe(holder);
    expect(other.lease?.message).toContain(holder);

    // A plain read of the bucket finds one record per mined transaction, matching the chain.
    const written = await records(b.objects);
    expect(written.map((r) => r.txHash).sort()).toEqual(payer.sent.map((t) => t.hash!).sort());
    for (const chain of requireChains()) {
      const onChain = payer.sent.filter((t) => t.chainId === chain.chainId).length;
      expect(written.filter((r) => r.chainId === chain.chainId)).toHaveLength(onChain);
    }
    expect(written.every((r) => r.roles.length > 0 && r.from === payer.bankAddress)).toBe(true);
    expect(written.every((r) => r.settingsHash.length === 64 && r.runId === holder)).toBe(true);
    // Released at the end: the next payer may take it at once.
    const lease = JSON.parse((await b.objects.get(LEASE_KEY))!.body) as { released?: boolean };
    expect(lease.released).toBe(true);
  }, 120_000);

  it('a payer killed after sending: the next run after expiry records its transfers and pays none twice', async () => {
    const b = await bench();
    const t0 = Date.now();
    // The "kill": the first run dies when it comes to writing its records (its process would
    // be gone): it never writes them, never releases the lease, never renews it.
    let killed!: () => void;
    const dead = new Promise<void>((resolve) => (killed = resolve));
    const dying: StateObjects = {
      ...b.objects,
      putIfAbsent: (key, body) => {
        if (!key.startsWith('ledger/records/')) return b.objects.putIfAbsent(key, body);
        killed();
        return new Promise(() => {});
      },
    };
    const victim = keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:victim', objects: dying, clock: () => t0, renewEveryMs: 3_600_000 },
    });
    void victim.runOnce({ dryRun: false });
    await dead;
    const intents = await b.objects.list('ledger/intents/');
    expect(intents.length).toBeGreaterThan(0);
    expect(await records(b.objects)).toEqual([]);

    // Before expiry another payer is refused and names the victim.
    const early = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:next', clock: () => t0 + 60_000 },
    }).runOnce({ dryRun: false })) as StatefulRun;
    expect(early.lease?.held).toBe(false);
    expect(early.lease?.holder?.holder).toBe('pod:victim');
    expect(early.sent).toEqual([]);

    // After expiry the next payer takes over, completes the intents, and pays nothing again.
    const next = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:next', clock: () => t0 + 11 * 60_000 },
    }).runOnce({ dryRun: false })) as StatefulRun;
    expect(next.lease?.held).toBe(true);
    expect(next.ledger?.completed).toBe(intents.length);
    expect(next.sent).toEqual([]);
    expect(next.decisions.filter((d) => d.reason === 'funded')).toEqual([]);

    const written = await records(b.objects);
    expect(written).toHaveLength(intents.length);
    for (const chain of requireChains()) {
      // Every transaction the bank made on this chain is in the ledger, once.
      const onChain = written.filter((r) => r.chainId === chain.chainId);
      expect(onChain).toHaveLength(await nonceOf(chain.url, b.bank));
      for (const r of onChain) {
        expect(await balanceOf(chain.url, r.to)).toBe(BigInt(r.amountWei));
      }
    }
  }, 120_000);
});
