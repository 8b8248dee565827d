/**
 * Bank rotation moves the money (issue 26 item 2), on moto and the two harness chains: with the
 * bank's rotation `switched`, the apply names the staged bank in the funding record (on both
 * keys); the Keymaster pays the run's top-ups from the old bank, sends each chain's remaining
 * balance less the fee to the new bank, records the transfers in the ledger and moves the bank
 * alias; the next run pays from the new bank. Killed at each step, the next run converges and
 * nothing is paid twice.
 */
import { CreateGrantCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { kmsFundingRecord } from '../../src/aws/funding-record.js';
import { createKmsKeyStore } from '../../src/aws/kms.js';
import { s3StateObjects, type StateObjects } from '../../src/aws/state-objects.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketJob } from '../../src/jobs/iam.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import type { StatefulRun } from '../../src/jobs/keymaster-state.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { keysJob } from '../../src/jobs/keys.js';
import { findStagedBank, writeFundingRecord } from '../../src/jobs/bank-rotation.js';
import { stateBucketName } from '../../src/inventory/keymaster-state.js';
import type { WithBankRotation } from '../../src/keymaster/bank-rotation/run.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import {
  bucketSuffix,
  motoEnv,
  nextAccountId,
  requireChains,
  requireMotoUrl,
} from '../harness/emulators.js';
import { balanceOf } from './chains.js';
import { nonceOf, records } from './state-bench.js';

const ETH = 10n ** 18n;
const INITIAL = { alpha: 10n * ETH, beta: 7n * ETH };
type Run = WithBankRotation<StatefulRun>;

function stagingFile(account: string, rotation?: 'staged' | 'switched'): string {
  const [a, b] = requireChains();
  return `environment: staging
aws: { accountId: '${account}', region: us-west-2 }
keys:
  names: [relayer-signer, processor-signer]
${rotation ? `  rotate:\n    - { key: bank, state: ${rotation}, reason: bank key custodian left }\n` : ''}networks:
  - { name: alpha, chainId: ${a!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ALPHA_RPC_URL }
  - { name: beta, chainId: ${b!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: BETA_RPC_URL }
keymaster:
  networks:
    alpha: &net
      roles:
        relayer: { lower: '0.5', target: '1' }
        processor: { lower: '0.5', target: '1' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
    beta: *net
proofsBucket:
  name: nomadxyz-staging-proofs-${bucketSuffix(account)}
`;
}

interface Bench {
  env: ResolvedEnvironment;
  clients: AwsClients;
  vars: Record<string, string>;
  objects: StateObjects;
  oldBank: string;
  staged: { keyId: string; address: string };
  url: Record<'alpha' | 'beta', string>;
}

async function setBalance(url: string, address: string, wei: bigint): Promise<void> {
  await rpcCall(
    url,
    { method: 'hardhat_setBalance', params: [address, `0x${wei.toString(16)}`] },
    { timeoutMs: 5000 },
  );
}

/**
 * A staging environment of its own: keys and buckets applied, the old bank holding INITIAL; the
 * bank staged through the file (`keys.rotate` `staged`: a key with the bank's tags plus
 * `nomad:rotation=staged`), then switched through the file and applied again.
 */
async function bench(): Promise<Bench> {
  const [a, b] = requireChains();
  const account = nextAccountId();
  const cwd = mkdtempSync(path.join(tmpdir(), 'nomad-bank-rotation-'));
  mkdirSync(path.join(cwd, 'environments'));
  const file = path.join(cwd, 'environments/staging.yaml');
  writeFileSync(file, stagingFile(account));
  const vars = {
    ...(await motoEnv(requireMotoUrl(), account)),
    ALPHA_RPC_URL: a!.url,
    BETA_RPC_URL: b!.url,
  };
  let env = loadEnvironment('staging', cwd);
  const clients = await awsForEnvironment(env, vars);
  const applied = await keysJob(env, clients, 'apply', { commit: 'c'.repeat(40) });
  expect(applied.ok).toBe(true);
  expect((await bucketJob(env, clients, 'apply')).result.ok).toBe(true);
  const oldBank = applied.json.keys.find((k) => k.purpose === 'bank')!.address!;
  await setBalance(a!.url, oldBank, INITIAL.alpha);
  await setBalance(b!.url, oldBank, INITIAL.beta);

  // Stage through the file: the apply creates the new bank (rotate's `stage` step).
  writeFileSync(file, stagingFile(account, 'staged'));
  env = loadEnvironment('staging', cwd);
  const staging = await keysJob(env, clients, 'apply', { commit: 'e'.repeat(40) });
  expect(staging.ok).toBe(true);
  const kms = createKmsKeyStore(clients.kms, { region: env.aws.region });
  const keyId = await findStagedBank(kms, env);
  if (!keyId) throw new Error('the staged apply made no staged bank');
  const staged = { keyId, address: await kms.publicAddress(keyId) };

  // Switch: the apply records the approved settings naming the staged bank, on it and the bank.
  writeFileSync(file, stagingFile(account, 'switched'));
  env = loadEnvironment('staging', cwd);
  expect(env.rotations).toEqual([
    { target: 'bank', state: 'switched', reason: 'bank key custodian left' },
  ]);
  const switched = await keysJob(env, clients, 'apply', { commit: 'd'.repeat(40) });
  expect(switched.ok).toBe(true);
  // The generic switch leaves the bank alias to the Keymaster.
  expect(await bankAliasTarget(clients)).not.toBe(staged.keyId);
  return {
    env,
    clients,
    vars,
    objects: s3StateObjects(clients.s3, stateBucketName(env)),
    oldBank,
    staged,
    url: { alpha: a!.url, beta: b!.url },
  };
}

async function bankAliasTarget(clients: AwsClients): Promise<string> {
  const { KeyMetadata } = await clients.kms.send(
    new DescribeKeyCommand({ KeyId: 'alias/staging-bank' }),
  );
  return KeyMetadata!.KeyId!;
}

/** What the ledger says each chain's bank-rotation transfers moved. */
async function sweptInLedger(objects: StateObjects) {
  return (await records(objects)).filter((r) => r.roles.includes('bank-rotation'));
}

/**
 * Every wei accounted for on each chain: what the old bank held is what it holds now, plus what
 * the new bank got, plus top-ups and fees the ledger recorded from the old bank.
 */
async function expectConserved(b: Bench): Promise<void> {
  const written = await records(b.objects);
  for (const network of ['alpha', 'beta'] as const) {
    const chainId = b.env.networks.find((n) => n.name === network)!.chainId;
    const spent = written
      .filter((r) => r.chainId === chainId && r.from.toLowerCase() === b.oldBank.toLowerCase())
      .reduce((sum, r) => sum + BigInt(r.feeWei) + BigInt(r.amountWei), 0n);
    const old = await balanceOf(b.url[network], b.oldBank);
    expect(old + spent, network).toBe(INITIAL[network]);
    // Every transaction the old bank made is in the ledger, once.
    expect(
      written.filter(
        (r) => r.chainId === chainId && r.from.toLowerCase() === b.oldBank.toLowerCase(),
      ),
    ).toHaveLength(await nonceOf(b.url[network], b.oldBank));
  }
}

describe('bank rotation moves the money', () => {
  it('sweeps both chains to the new bank less fees, moves the alias, and the next run pays from it', async () => {
    const b = await bench();
    const oldKeyId = await bankAliasTarget(b.clients);
    // The switched apply wrote the record naming the staged bank, on the bank and on the staged key.
    const onBank = await kmsFundingRecord(b.clients.kms, 'alias/staging-bank').read();
    const onStaged = await kmsFundingRecord(b.clients.kms, b.staged.keyId).read();
    expect(onBank).toMatchObject({ bank: 'found', record: { nextBank: b.staged.keyId } });
    expect(onStaged).toEqual(onBank);

    const job = keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    });
    const run = (await job.runOnce({ dryRun: false })) as Run;
    expect(run.failures).toEqual([]);
    // The job summary shows the rotation: where the money went and that the alias moved.
    const summary = job.markdown(run);
    expect(summary).toContain(
      `### Bank rotation ${b.oldBank} → ${b.staged.address} (alias moved to ${b.staged.keyId})`,
    );
    expect(summary).toMatch(/\| alpha \| [0-9.]+ ETH \(mined\) \|/);
    // The top-ups were paid by the old bank first: two wallets on each chain.
    expect(run.bankAddress).toBe(b.oldBank);
    expect(run.sent.map((t) => t.status)).toEqual(['mined', 'mined', 'mined', 'mined']);
    const rotation = run.bankRotation!;
    expect(rotation.aliasMoved).toBe(true);
    expect(rotation.chains.map((c) => [c.network, c.before.kind, c.after.kind])).toEqual([
      ['alpha', 'sweep', 'swept'],
      ['beta', 'sweep', 'swept'],
    ]);
    for (const chain of rotation.chains) {
      const network = chain.network as 'alpha' | 'beta';
      const moved = chain.sent!;
      expect(moved.status).toBe('mined');
      expect(await balanceOf(b.url[network], b.staged.address)).toBe(moved.amount);
      // What is left is less than one transfer's fee: no transfer could move it.
      const left = await balanceOf(b.url[network], b.oldBank);
      if (chain.after.kind !== 'swept') throw new Error(`${network} not swept`);
      expect(left).toBe(chain.after.balance);
      expect(left < chain.after.fee).toBe(true);
      // The new bank holds the old balance after top-ups, less the transfer's fee and the dust.
      const topUps = run.sent
        .filter((t) => t.network === network)
        .reduce((sum, t) => sum + t.amount + t.fee!, 0n);
      expect(moved.amount + moved.fee! + left + topUps).toBe(INITIAL[network]);
    }
    expect(await bankAliasTarget(b.clients)).toBe(b.staged.keyId);
    // The ledger has each transfer once, from the old bank to the new, as a bank rotation.
    const swept = await sweptInLedger(b.objects);
    expect(swept.map((r) => [r.network, r.to.toLowerCase(), BigInt(r.amountWei)]).sort()).toEqual(
      rotation.chains
        .map((c) => [c.network, b.staged.address.toLowerCase(), c.sent!.amount])
        .sort(),
    );
    await expectConserved(b);

    // The next run pays from the new bank: a wallet drained since is topped up by it.
    const relayer = run.decisions.find((d) => d.network === 'alpha')!.address;
    await setBalance(b.url.alpha, relayer, 0n);
    const next = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(next.failures).toEqual([]);
    expect(next.bankAddress).toBe(b.staged.address);
    expect(next.bankRotation).toBeUndefined();
    expect(next.sent.map((t) => [t.to, t.status])).toEqual([[relayer, 'mined']]);
    expect(await balanceOf(b.url.alpha, relayer)).toBe(ETH);
    // Nothing more left the old bank.
    await expectConserved(b);

    // The next apply (the file still says `switched`) finishes the rotation: the old bank is
    // retired, the record stays on the new one, and the Keymaster keeps paying from it.
    const finished = await keysJob(b.env, b.clients, 'apply', { commit: 'f'.repeat(40) });
    expect(finished.ok).toBe(true);
    const old = await b.clients.kms.send(new DescribeKeyCommand({ KeyId: oldKeyId }));
    expect(old.KeyMetadata?.KeyState).toBe('PendingDeletion');
    expect(await bankAliasTarget(b.clients)).toBe(b.staged.keyId);
    expect(await kmsFundingRecord(b.clients.kms, 'alias/staging-bank').read()).toMatchObject({
      bank: 'found',
      record: { commit: 'f'.repeat(40) },
    });
    const after = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(after.failures).toEqual([]);
    expect(after.bankAddress).toBe(b.staged.address);
  }, 180_000);
});

describe('a bank rotation moves nothing it should not', () => {
  it('a chain that cannot be swept is reported; no chain is swept and the alias stays until it can', async () => {
    const b = await bench();
    const { BETA_RPC_URL: _beta, ...withoutBeta } = b.vars;
    const job = keymasterJob(b.env, b.clients, withoutBeta, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    });
    const blocked = (await job.runOnce({ dryRun: false })) as Run;
    expect(job.console(blocked)).toContain('alias stays until alpha, beta are swept');
    expect(job.console(blocked)).toContain('FAILED: the RPC URL of beta');
    const reported = blocked.failures.filter((f) => f.kind === 'bank-rotation');
    expect(reported.map((f) => f.network)).toEqual(['beta']);
    expect(reported[0]!.message).toContain('BETA_RPC_URL');
    expect(blocked.bankRotation!.chains.map((c) => [c.network, c.after.kind])).toEqual([
      ['alpha', 'sweep'],
      ['beta', 'wait'],
    ]);
    expect(blocked.bankRotation!.waiting).toEqual(['alpha', 'beta']);
    // All or nothing: alpha's money stays too, so the old bank can keep paying both chains.
    expect(await balanceOf(b.url.alpha, b.staged.address)).toBe(0n);
    expect(await balanceOf(b.url.beta, b.staged.address)).toBe(0n);
    expect(await bankAliasTarget(b.clients)).not.toBe(b.staged.keyId);
    expect(blocked.ok).toBe(false);

    const healed = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(healed.failures).toEqual([]);
    expect(healed.bankRotation!.aliasMoved).toBe(true);
    expect(await bankAliasTarget(b.clients)).toBe(b.staged.keyId);
    await expectConserved(b);
  }, 180_000);

  it('moves nothing to a next bank someone else may use (a grant on the staged key)', async () => {
    const b = await bench();
    await b.clients.kms.send(
      new CreateGrantCommand({
        KeyId: b.staged.keyId,
        GranteePrincipal: 'arn:aws:iam::111122223333:root',
        Operations: ['Sign'],
      }),
    );
    const refused = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(refused.bankRotation).toBeUndefined();
    const reported = refused.failures.filter((f) => f.kind === 'bank-rotation');
    expect(reported).toHaveLength(1);
    expect(reported[0]!.message).toMatch(/grant .* gives Sign/);
    expect(reported[0]!.message).toContain('no money is moved to it');
    for (const network of ['alpha', 'beta'] as const) {
      expect(await balanceOf(b.url[network], b.staged.address)).toBe(0n);
    }
    expect(await bankAliasTarget(b.clients)).not.toBe(b.staged.keyId);
    // The run's top-ups were still paid by the old bank.
    expect(refused.sent.map((t) => t.status)).toEqual(['mined', 'mined', 'mined', 'mined']);
  }, 180_000);
});

describe('the switched apply converges when killed between its two record writes', () => {
  it('killed after writing the staged bank, before the bank: the Keymaster waits, the re-run apply converges', async () => {
    const b = await bench();
    const bankRecord = kmsFundingRecord(b.clients.kms, 'alias/staging-bank');
    const stagedRecord = kmsFundingRecord(b.clients.kms, b.staged.keyId);
    const approved = await bankRecord.read();
    if (approved.bank !== 'found' || !approved.record) throw new Error('no record');
    // Both keys back to before the switched apply: the bank's record of the staged apply
    // (commit e…), none on the staged key.
    const { nextBank: _next, ...switchedRecord } = approved.record;
    const before = { sha256: approved.record.sha256, commit: 'e'.repeat(40) };
    await bankRecord.write(before);
    await stagedRecord.write({ sha256: 'f'.repeat(64) });
    // The switched apply's record step, killed at the bank's write.
    await expect(
      writeFundingRecord({
        env: b.env,
        clients: b.clients,
        record: switchedRecord,
        write: () => Promise.reject(new Error('killed')),
      }),
    ).rejects.toThrow('killed');
    // The staged key was written first: it carries the approved record; the bank does not yet.
    expect(await stagedRecord.read()).toMatchObject({ record: { nextBank: b.staged.keyId } });
    expect(await bankRecord.read()).toEqual({ bank: 'found', record: before });
    const idle = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    // The Keymaster sees no rotation yet: it pays from the old bank and moves nothing.
    expect(idle.bankRotation).toBeUndefined();
    expect(idle.failures).toEqual([]);
    expect(await balanceOf(b.url.alpha, b.staged.address)).toBe(0n);

    // The apply runs again (the workflow's re-run): it writes both, and the next run rotates.
    const reapplied = await keysJob(b.env, b.clients, 'apply', { commit: 'd'.repeat(40) });
    expect(reapplied.ok).toBe(true);
    expect((await bankRecord.read()) as unknown).toMatchObject({
      record: { nextBank: b.staged.keyId },
    });
    const rotated = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(rotated.failures).toEqual([]);
    expect(rotated.bankRotation?.aliasMoved).toBe(true);
    await expectConserved(b);
  }, 180_000);

  it('a bank record naming a staged key that lacks the approved record moves nothing', async () => {
    const b = await bench();
    // The staged key's record is the one before the switch (written by hand, or a stale one).
    await kmsFundingRecord(b.clients.kms, b.staged.keyId).write({ sha256: 'f'.repeat(64) });
    const refused = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(refused.failures.map((f) => f.kind)).toEqual(['bank-rotation']);
    expect(refused.failures[0]!.message).toContain('does not carry the approved funding record');
    expect(await balanceOf(b.url.alpha, b.staged.address)).toBe(0n);
    expect(await bankAliasTarget(b.clients)).not.toBe(b.staged.keyId);
  }, 180_000);
});

/**
 * Kills: the victim's run stops for good at one step (its process would be gone: no more writes,
 * no lease release or renewal); the next Keymaster, after the lease expired, converges.
 */
describe('a Keymaster killed at each step of a bank rotation converges on the next run', () => {
  type Kill = {
    /** Where the victim dies: a state write it never finishes, or the alias move. */
    at?: (key: string, body: string) => boolean;
    atAliasMove?: boolean;
    /** The victim dies after its alias move (its ledger records come last). */
    afterAliasMove?: boolean;
  };

  async function killThenRerun(b: Bench, kill: Kill, settle?: () => Promise<void>) {
    const t0 = Date.now();
    let killed!: () => void;
    const dead = new Promise<void>((resolve) => (killed = resolve));
    const hang = () => {
      killed();
      return new Promise<never>(() => {});
    };
    const dying: StateObjects = {
      ...b.objects,
      putIfAbsent: (key, body) =>
        kill.at?.(key, body) ? hang() : b.objects.putIfAbsent(key, body),
    };
    const victim = keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:victim', objects: dying, clock: () => t0, renewEveryMs: 3_600_000 },
      bankRotation: { pollIntervalMs: 20, ...(kill.atAliasMove ? { moveAlias: hang } : {}) },
    });
    void victim.runOnce({ dryRun: false });
    await dead;
    await settle?.();
    expect((await bankAliasTarget(b.clients)) === b.staged.keyId).toBe(
      kill.afterAliasMove ?? false,
    );
    const next = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
      state: { holder: 'pod:next', clock: () => t0 + 11 * 60_000 },
      bankRotation: { pollIntervalMs: 20 },
    }).runOnce({ dryRun: false })) as Run;
    expect(next.lease?.held).toBe(true);
    expect(next.failures).toEqual([]);
    // The alias moves once: by the victim when it died after that, else by the next run.
    expect(next.bankRotation?.aliasMoved).toBe(kill.afterAliasMove ? undefined : true);
    expect(await bankAliasTarget(b.clients)).toBe(b.staged.keyId);
    // One transfer per chain in all, in the ledger once, and the new bank holds exactly it.
    const swept = await sweptInLedger(b.objects);
    for (const network of ['alpha', 'beta'] as const) {
      const chainId = b.env.networks.find((n) => n.name === network)!.chainId;
      const onChain = swept.filter((r) => r.chainId === chainId);
      expect(onChain, network).toHaveLength(1);
      expect(await balanceOf(b.url[network], b.staged.address)).toBe(BigInt(onChain[0]!.amountWei));
    }
    await expectConserved(b);
    return next;
  }

  const isSweep = (body: string) => body.includes('"bank-rotation"');

  it('before the transfers’ ledger intents (nothing broadcast): the next run sweeps once', async () => {
    const b = await bench();
    const next = await killThenRerun(b, {
      at: (key, body) => key.startsWith('ledger/intents/') && isSweep(body),
    });
    expect(next.bankRotation!.chains.map((c) => c.sent?.status)).toEqual(['mined', 'mined']);
  }, 180_000);

  it('after the alias move, before the ledger records: the next run records them, pays from the new bank, sends nothing', async () => {
    const b = await bench();
    const next = await killThenRerun(b, {
      at: (key) => key.startsWith('ledger/records/'),
      afterAliasMove: true,
    });
    // The new bank's own record names itself: there is nothing left to rotate.
    expect(next.bankRotation).toBeUndefined();
    expect(next.bankAddress).toBe(b.staged.address);
    expect(next.sent).toEqual([]);
    // The interrupted run's top-ups and transfers, completed from their intents.
    expect(next.ledger?.completed).toBe(6);
  }, 180_000);

  it('between the transfers and the alias move: the next run moves the alias and sends nothing', async () => {
    const b = await bench();
    const next = await killThenRerun(b, { atAliasMove: true });
    expect(next.bankRotation!.chains.every((c) => c.sent === undefined)).toBe(true);
    expect(next.sent).toEqual([]);
  }, 180_000);

  it('between chains (alpha swept, beta not yet broadcast): the next run sweeps beta only', async () => {
    const b = await bench();
    const betaId = b.env.networks.find((n) => n.name === 'beta')!.chainId;
    const next = await killThenRerun(
      b,
      { at: (key, body) => key.includes(`/${betaId}-`) && isSweep(body) },
      // The dead run's alpha transfer was broadcast before it died: wait until it is mined.
      () =>
        vi.waitFor(
          async () => expect(await balanceOf(b.url.alpha, b.staged.address)).not.toBe(0n),
          {
            timeout: 30_000,
            interval: 50,
          },
        ),
    );
    expect(next.bankRotation!.chains.map((c) => [c.network, c.sent?.status])).toEqual([
      ['alpha', undefined],
      ['beta', 'mined'],
    ]);
  }, 180_000);
});
