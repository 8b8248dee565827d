import { DescribeKeyCommand, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import type { KmsKeyStore } from '../../src/aws/kms-types.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { keysFor } from '../../src/inventory/keys.js';
import { rotationsFor } from '../../src/inventory/rotations.js';
import { keyStoreFor, runKeys } from '../../src/plan/keys/keys.js';
import { keyRows } from '../../src/plan/keys/rows.js';
import { cli } from '../cli/helpers.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';
import { clientsFor } from '../keys/helpers.js';
import { kmsState, type KeyState } from '../keys/kms-state.js';

/**
 * Issue 26 item 1 on moto, through the CLI: a relayer signer rotated in two approved steps.
 * Staged: a second key for the alias, tagged staged, the alias unchanged. Switched: the alias on
 * the new key, the old one disabled with its deletion scheduled after the grace period. Then the
 * crash tests: an apply that dies after each write of the switch (and of the stage) leaves a
 * state the next apply converges from, never two staged keys, never an alias lost.
 */

const RELAYER = 'alias/staging-hoodi-relayer-signer';
const ATTESTATION = 'alias/staging-hoodi-updater-attestation';

const fileFor = (accountId: string, rotate = '', grace = '') => `environment: staging
aws:
  accountId: "${accountId}"
  region: us-west-2
keys:
  names: [relayer-signer, updater-signer, updater-attestation]
${grace}${rotate ? `  rotate:\n${rotate}` : ''}
networks:
  - name: hoodi
    chainId: 560048
    nativeToken: { symbol: ETH, decimals: 18 }
    rpcUrlEnv: HOODI_RPC_URL
keymaster:
  networks:
    hoodi:
      roles:
        updater: { lower: "0.5", target: "1" }
        relayer: { lower: "0.5", target: "1" }
      bank: { reserve: "1", alertBelow: "5" }
      capPerRun: "20"
`;
const rotation = (key: string, state: string) =>
  `    - key: ${key}\n      state: ${state}\n      reason: operator left\n`;

let motoUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'nomad-rotate-'));
beforeAll(() => {
  motoUrl = requireMotoUrl();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Account {
  accountId: string;
  file: string;
  vars: NodeJS.ProcessEnv;
  direct: AwsClients;
  write(rotate?: string, grace?: string): void;
}

async function account(): Promise<Account> {
  const accountId = nextAccountId();
  const file = join(dir, `${accountId}-staging.yaml`);
  const c = await motoCredentials(motoUrl, accountId);
  const vars = {
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
  };
  const direct = await clientsFor(motoUrl, accountId, 'us-west-2');
  const write = (rotate = '', grace = '') => writeFileSync(file, fileFor(accountId, rotate, grace));
  write();
  return { accountId, file, vars, direct, write };
}

const apply = async (a: Account) => {
  const run = await cli(['keys', 'apply', '--env', a.file, '--json'], { env: a.vars });
  return { ...run, json: JSON.parse(run.stdout) as { ok: boolean; keys: RowJson[] } };
};
interface RowJson {
  alias: string;
  status: string;
  keyId: string;
  address: string;
  reason?: string;
  rotation?: { state: string; from?: string; to?: string };
}

const keysFor_ = (keys: KeyState[], alias: string) =>
  keys.filter((k) => k.tags['nomad:alias'] === alias || k.tags['nomad:retired-from'] === alias);

describe('rotating a relayer signer in two approved steps (CLI, moto)', () => {
  it('stages a second key, then switches the alias and retires the old key', async () => {
    const a = await account();
    const first = await apply(a);
    expect(first.code, first.stderr).toBe(0);
    const before = await kmsState(a.direct.kms);
    const oldKey = before.aliases.get(RELAYER)!;
    const oldAddress = first.json.keys.find((r) => r.alias === RELAYER)!.address;

    // Step 1: staged.
    a.write(
      rotation('hoodi/relayer-signer', 'staged') + rotation('hoodi/updater-attestation', 'staged'),
    );
    const plan = await cli(['keys', 'plan', '--env', a.file, '--json'], { env: a.vars });
    const planned = JSON.parse(plan.stdout) as { keys: RowJson[] };
    const stageRow = planned.keys.find((r) => r.alias === RELAYER && r.rotation)!;
    expect(stageRow.status).toBe('stage');
    expect(stageRow.rotation).toMatchObject({ state: 'staged', from: oldAddress });

    const staged = await apply(a);
    expect(staged.code, staged.stderr).toBe(0);
    const afterStage = await kmsState(a.direct.kms);
    expect(afterStage.aliases.get(RELAYER)).toBe(oldKey);
    const forRelayer = keysFor_(afterStage.keys, RELAYER);
    expect(forRelayer).toHaveLength(2);
    const newKey = forRelayer.find((k) => k.keyId !== oldKey)!;
    expect(newKey.tags).toMatchObject({ 'nomad:rotation': 'staged', 'nomad:aliased': 'false' });
    expect(newKey.state).toBe('Enabled');
    const stagedRow = staged.json.keys.find((r) => r.alias === RELAYER && r.rotation)!;
    expect(stagedRow).toMatchObject({ status: 'staged', keyId: newKey.keyId });
    expect(stagedRow.rotation!.to).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(stagedRow.rotation!.to).not.toBe(oldAddress);
    // The attestation key shows the address governance must enrol, beside the current one.
    const attest = staged.json.keys.find((r) => r.alias === ATTESTATION && r.rotation)!;
    expect(attest.reason).toMatch(/governance must enrol/);
    expect(attest.rotation!.from).not.toBe(attest.rotation!.to);

    // The plan a reviewer reads shows both addresses.
    const shown = await cli(['keys', 'plan', '--env', a.file], { env: a.vars });
    expect(shown.stdout).toContain(`${oldAddress} → ${stagedRow.rotation!.to}`);

    // A second apply of the same file changes nothing: one staged key, never two.
    const again = await apply(a);
    expect(again.code).toBe(0);
    const twice = keysFor_((await kmsState(a.direct.kms)).keys, RELAYER);
    expect(twice.map((k) => k.state)).toEqual(['Enabled', 'Enabled']);

    // Step 2: switched, with a 7-day grace period.
    // (The attestation key stays staged, waiting for governance: withdrawn, its staged key would
    // be an extra key to retire.)
    a.write(
      rotation('hoodi/relayer-signer', 'switched') +
        rotation('hoodi/updater-attestation', 'staged'),
      '  gracePeriodDays: 7\n',
    );
    const switchPlan = JSON.parse(
      (await cli(['keys', 'plan', '--env', a.file, '--json'], { env: a.vars })).stdout,
    ) as { keys: RowJson[] };
    const switchRow = switchPlan.keys.find((r) => r.alias === RELAYER && r.rotation)!;
    expect(switchRow.status).toBe('switch');
    expect(switchRow.rotation).toMatchObject({ from: oldAddress, to: stagedRow.rotation!.to });

    const switched = await apply(a);
    expect(switched.code, switched.stderr).toBe(0);
    const after = await kmsState(a.direct.kms);
    expect(after.aliases.get(RELAYER)).toBe(newKey.keyId);
    const old = after.keys.find((k) => k.keyId === oldKey)!;
    expect(old.state).toBe('PendingDeletion');
    expect(old.tags).toMatchObject({
      'nomad:rotation': 'retired',
      'nomad:retired-from': RELAYER,
    });
    expect(old.tags['nomad:alias']).toBeUndefined();
    const { KeyMetadata } = await a.direct.kms.send(new DescribeKeyCommand({ KeyId: oldKey }));
    const days = (KeyMetadata!.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(7);
    const now = after.keys.find((k) => k.keyId === newKey.keyId)!;
    expect(now.tags['nomad:rotation']).toBeUndefined();
    expect(now.tags['nomad:aliased']).toBe('true');
    // The agent's address is the new key's; the plan now has nothing to do.
    const settled = await cli(['keys', 'plan', '--env', a.file, '--json'], { env: a.vars });
    const rows = (JSON.parse(settled.stdout) as { keys: RowJson[] }).keys;
    expect(rows.find((r) => r.alias === RELAYER && !r.rotation)!.address).toBe(
      stagedRow.rotation!.to,
    );
    expect(rows.find((r) => r.alias === RELAYER && r.rotation)!.status).toBe('switched');
    expect(rows.some((r) => r.status === 'leftover' || r.status === 'conflict')).toBe(false);
  }, 120_000);
});

describe("the bank's switch (its alias moved by the Keymaster)", () => {
  it('leaves the bank alias to the Keymaster, then retires the old bank once it moved', async () => {
    const BANK = 'alias/staging-bank';
    const a = await account();
    expect((await apply(a)).code).toBe(0);
    const oldBank = (await kmsState(a.direct.kms)).aliases.get(BANK)!;
    a.write(rotation('bank', 'staged'));
    expect((await apply(a)).code).toBe(0);
    const stagedBank = (await kmsState(a.direct.kms)).keys.find(
      (k) => k.tags['nomad:rotation'] === 'staged' && k.tags['nomad:alias'] === BANK,
    )!.keyId;

    a.write(rotation('bank', 'switched'));
    const waiting = await apply(a);
    expect(waiting.code, waiting.stderr).toBe(0);
    expect(waiting.json.keys.find((r) => r.alias === BANK && r.rotation)!.reason).toMatch(
      /Keymaster/,
    );
    expect((await kmsState(a.direct.kms)).aliases.get(BANK)).toBe(oldBank);

    // What the Keymaster does once the money moved (bank-rotate): the alias onto the staged key.
    await a.direct.kms.send(new UpdateAliasCommand({ AliasName: BANK, TargetKeyId: stagedBank }));
    const finished = await apply(a);
    expect(finished.code, finished.stderr).toBe(0);
    const after = await kmsState(a.direct.kms);
    expect(after.aliases.get(BANK)).toBe(stagedBank);
    const old = after.keys.find((k) => k.keyId === oldBank)!;
    expect(old.state).toBe('PendingDeletion');
    expect(old.tags).toMatchObject({ 'nomad:rotation': 'retired', 'nomad:retired-from': BANK });
    expect(finished.json.keys.some((r) => r.status === 'conflict')).toBe(false);
  }, 120_000);
});

/** A store that dies right after its n-th write went through (the answer never comes back). */
class Crash extends Error {}
function dyingAfter(store: KmsKeyStore, n: number): { store: KmsKeyStore; writes: () => number } {
  let writes = 0;
  const wrap =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await f(...args);
      if (++writes === n) throw new Crash(`killed after write ${n}`);
      return result;
    };
  return {
    writes: () => writes,
    store: {
      ...store,
      createKey: wrap(store.createKey),
      createAlias: wrap(store.createAlias),
      tagKey: wrap(store.tagKey),
      untagKey: wrap(store.untagKey),
      updateAlias: wrap(store.updateAlias),
      retireKey: wrap(store.retireKey),
    },
  };
}

describe('a rotation killed at each write converges on the next apply', () => {
  const runWith = async (a: Account, rotate: string, store?: KmsKeyStore) => {
    a.write(rotate);
    const loaded = loadEnvironmentFile(a.file);
    if (!loaded.ok) throw new Error('file does not load');
    const env = loaded.env;
    const keys = keysFor(env);
    const clients = await clientsFor(motoUrl, a.accountId, 'us-west-2');
    return runKeys({
      env,
      keys,
      clients,
      mode: 'apply',
      concurrency: 1,
      rotations: rotationsFor(env, keys),
      gracePeriodDays: env.gracePeriodDays,
      ...(store ? { store } : {}),
    });
  };
  const storeOf = async (a: Account) =>
    keyStoreFor(
      { keyStore: 'kms', aws: { accountId: a.accountId, region: 'us-west-2' }, name: 'staging' },
      await clientsFor(motoUrl, a.accountId, 'us-west-2'),
    ) as KmsKeyStore;

  const check = async (a: Account, oldKey: string) => {
    const state = await kmsState(a.direct.kms);
    const staged = state.keys.filter(
      (k) => k.tags['nomad:rotation'] === 'staged' && k.state !== 'PendingDeletion',
    );
    expect(staged.length).toBeLessThanOrEqual(1);
    expect(state.aliases.get(RELAYER)).toBeDefined();
    return { state, oldKey };
  };

  // The switch makes 6 writes: tag old, UpdateAlias, tag new, untag new, untag old, retire.
  it.each([1, 2, 3, 4, 5, 6])(
    'switch killed after write %i',
    async (n) => {
      const a = await account();
      expect((await apply(a)).code).toBe(0);
      const oldKey = (await kmsState(a.direct.kms)).aliases.get(RELAYER)!;
      await runWith(a, rotation('hoodi/relayer-signer', 'staged'));
      const stagedKey = (await kmsState(a.direct.kms)).keys.find(
        (k) => k.tags['nomad:rotation'] === 'staged',
      )!.keyId;

      const dying = dyingAfter(await storeOf(a), n);
      const killed = await runWith(a, rotation('hoodi/relayer-signer', 'switched'), dying.store);
      expect(killed.mode === 'apply' && killed.failed.length).toBeGreaterThan(0);
      await check(a, oldKey);

      // The next apply, through the CLI, converges.
      const next = await apply(a);
      expect(next.code, next.stderr).toBe(0);
      const { state } = await check(a, oldKey);
      expect(state.aliases.get(RELAYER)).toBe(stagedKey);
      const old = state.keys.find((k) => k.keyId === oldKey)!;
      expect(old.state).toBe('PendingDeletion');
      expect(old.tags['nomad:alias']).toBeUndefined();
      expect(state.keys.find((k) => k.keyId === stagedKey)!.tags['nomad:rotation']).toBeUndefined();
      // Nothing is left to do.
      const settled = await runWith(a, rotation('hoodi/relayer-signer', 'switched'));
      expect(keyRows(settled).find((r) => r.alias === RELAYER && r.rotation)!.status).toBe(
        'switched',
      );
    },
    120_000,
  );

  it('a stage whose CreateKey answer was lost makes no second staged key', async () => {
    const a = await account();
    expect((await apply(a)).code).toBe(0);
    const dying = dyingAfter(await storeOf(a), 1);
    await runWith(a, rotation('hoodi/relayer-signer', 'staged'), dying.store);
    await runWith(a, rotation('hoodi/relayer-signer', 'staged'));
    const state = await kmsState(a.direct.kms);
    const staged = state.keys.filter((k) => k.tags['nomad:rotation'] === 'staged');
    // The lost answer's key is found by its tags on the next run: exactly one staged key.
    expect(staged).toHaveLength(1);
    expect(staged[0]!.state).toBe('Enabled');
  }, 120_000);
});
