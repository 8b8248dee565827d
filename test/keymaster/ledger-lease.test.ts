/**
 * One payer per bank and a ledger of every payment, on moto (S3 conditional writes) and the
 * harness chains: two Keymasters started together pay once; a payer killed after broadcasting
 * and before its ledger records leaves its lease to expire, and the next run records every
 * transfer and pays none twice.
 */
import { describe, expect, it } from 'vitest';
import type { StatefulRun } from '../../src/jobs/keymaster-state.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { LEASE_KEY } from '../../src/inventory/keymaster-state.js';
import type { StateObjects } from '../../src/aws/state-objects.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { requireChains } from '../harness/emulators.js';
import { balanceOf } from './chains.js';
import { bench as benchWith, nonceOf, records } from './state-bench.js';

/** This file's funding key on the shared chains (unused by every other file). */
const bench = () => benchWith(FUNDED_PRIVATE_KEYS[3]!);

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
    // The commit is the one the approved apply recorded on the bank (state-bench applies 'c…').
    expect(written.every((r) => r.commit === 'c'.repeat(40))).toBe(true);
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
