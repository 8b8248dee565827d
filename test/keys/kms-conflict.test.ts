import {
  CreateAliasCommand,
  CreateKeyCommand,
  UpdateAliasCommand,
  type CreateKeyCommandInput,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { keysFor } from '../../src/inventory/keys.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { nextAccountId } from '../harness/emulators.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';
import { kmsState, writesIn } from './kms-state.js';

/**
 * Issue 28, item 1 and 2 (DESIGN §3): an alias moved by hand is a conflict, never a reason to
 * retire the key that held it; one unusable key under an alias is one broken row. Each case
 * applies the environment's keys, moves one alias by hand (`aws kms update-alias`) onto a key
 * that is not the toolkit's for it, then plans and applies: the plan fails with a `conflict` row
 * naming both keys and the choices, and no key changes state.
 */

const staging = loadEnv('staging');
const allKeys = keysFor(staging);
const bank = allKeys.find((k) => k.purpose === 'bank')!;
const relayer = allKeys.find((k) => k.keyName === 'relayer-signer')!;
const others = allKeys.filter((k) => k !== bank && k !== relayer).slice(0, 2);
const keys = [relayer, ...others, bank];

let moto: { url: string };
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

async function account() {
  const accountId = nextAccountId();
  const proxy = await startFaultProxy({ target: moto.url, rules: [] });
  proxies.push(proxy);
  const clients: AwsClients = await clientsFor(moto.url, accountId, staging.aws.region, proxy.url);
  const direct: AwsClients = await clientsFor(moto.url, accountId, staging.aws.region);
  const env = { ...staging, aws: { ...staging.aws, accountId } };
  return { proxy, clients, direct, env };
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));

/** Every key's state, by id: what "no key changes state" compares. */
async function states(direct: AwsClients): Promise<Record<string, string>> {
  const { keys: all } = await kmsState(direct.kms);
  return Object.fromEntries(all.map((k) => [k.keyId, k.state]));
}

type Rogue = (direct: AwsClients, applied: Map<string, string>) => Promise<string>;

const createKey = async (direct: AwsClients, input: CreateKeyCommandInput) =>
  (await direct.kms.send(new CreateKeyCommand(input))).KeyMetadata!.KeyId!;

const CASES: Array<[string, Rogue, RegExp]> = [
  [
    'a key made by hand',
    (direct) => createKey(direct, { KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    /which the toolkit did not make/,
  ],
  ['the bank key', async (_direct, applied) => applied.get(bank.alias)!, /the bank/],
  [
    'an RSA key',
    (direct) => createKey(direct, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
    /which the toolkit did not make/,
  ],
  [
    "another environment's key",
    (direct) =>
      createKey(direct, {
        KeySpec: 'ECC_SECG_P256K1',
        KeyUsage: 'SIGN_VERIFY',
        Tags: tagList({
          ...relayer.tags,
          'nomad:environment': 'production',
          'nomad:alias': 'alias/production-ethereum-relayer-signer',
          'nomad:aliased': 'true',
        }),
      }),
    /the toolkit's key of the production environment/,
  ],
  [
    'a symmetric key',
    (direct) => createKey(direct, { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }),
    /which the toolkit did not make/,
  ],
];

describe('an alias moved by hand', () => {
  it.each(CASES)(
    'onto %s: a conflict that fails the plan; no key changes state',
    async (_name, rogue, targetSaid) => {
      const { proxy, clients, direct, env } = await account();
      const first = await runKeysRows({ env, keys, clients, mode: 'apply' });
      expect(first.ok).toBe(true);
      const applied = new Map(first.rows.map((r) => [r.alias, r.keyId]));
      const original = first.rows.find((r) => r.alias === relayer.alias)!;

      const target = await rogue(direct, applied);
      await direct.kms.send(
        new UpdateAliasCommand({ AliasName: relayer.alias, TargetKeyId: target }),
      );
      const before = await states(direct);

      const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
      expect(plan.ok).toBe(false);
      const conflicts = plan.rows.filter((r) => r.status === 'conflict');
      expect(conflicts.map((r) => r.keyId)).toEqual([original.keyId]);
      const reason = conflicts[0]!.reason;
      // What it found: the key the alias points at and whose it is, the key that held it and
      // its address; and the choices.
      expect(reason).toContain(`${relayer.alias} now points at key ${target}`);
      expect(reason).toMatch(targetSaid);
      expect(reason).toContain(`address ${original.address}`);
      expect(reason).toContain('may have held it');
      expect(reason).toContain(
        `aws kms update-alias --alias-name ${relayer.alias} --target-key-id ${original.keyId}`,
      );
      expect(reason).toContain('keys.rotate');
      expect(plan.rows.filter((r) => r.leftover === 'schedule-deletion')).toEqual([]);

      proxy.reset();
      const apply = await runKeysRows({ env, keys, clients, mode: 'apply' });
      expect(apply.ok).toBe(false);
      expect(apply.rows.find((r) => r.keyId === original.keyId)!.status).toBe('conflict');
      expect(writesIn(proxy.counts())).toEqual({});
      expect(await states(direct)).toEqual(before);
      expect(before[original.keyId]).toBe('Enabled');
    },
  );

  it('back where it was: the conflict is gone and nothing is retired', async () => {
    const { clients, direct, env } = await account();
    const first = await runKeysRows({ env, keys, clients, mode: 'apply' });
    const original = first.rows.find((r) => r.alias === relayer.alias)!.keyId;
    const other = await createKey(direct, { KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' });
    await direct.kms.send(new UpdateAliasCommand({ AliasName: relayer.alias, TargetKeyId: other }));
    expect((await runKeysRows({ env, keys, clients, mode: 'plan' })).ok).toBe(false);
    await direct.kms.send(
      new UpdateAliasCommand({ AliasName: relayer.alias, TargetKeyId: original }),
    );
    const before = await states(direct);
    const again = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(again.ok).toBe(true);
    expect(again.rows.map((r) => r.status)).toEqual(keys.map(() => 'exists'));
    expect(await states(direct)).toEqual(before);
  });

  it('a key of an older version (no record) whose alias points at another toolkit key: a conflict, with the way to retire it', async () => {
    const { proxy, clients, direct, env } = await account();
    const first = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(first.ok).toBe(true);
    // What an older version left: a key tagged for the alias, no alias, no record.
    const legacy = await createKey(direct, {
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Tags: tagList(relayer.tags),
    });
    const before = await states(direct);
    proxy.reset();
    const apply = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(apply.ok).toBe(false);
    const row = apply.rows.find((r) => r.keyId === legacy)!;
    expect(row.status).toBe('conflict');
    expect(row.reason).toContain('no nomad:aliased record');
    expect(row.reason).toContain(`--key-id ${legacy} --tags TagKey=nomad:aliased,TagValue=false`);
    expect(writesIn(proxy.counts())).toEqual({});
    expect(await states(direct)).toEqual(before);
  });
});

describe('one unusable key under an alias', () => {
  it.each([
    ['a symmetric key', { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }],
    ['an HMAC key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }],
  ] as const)(
    '%s is one broken row; every other key is planned and applied',
    async (_name, shape) => {
      const { proxy, clients, direct, env } = await account();
      const wrong = await createKey(direct, shape);
      await direct.kms.send(
        new CreateAliasCommand({ AliasName: relayer.alias, TargetKeyId: wrong }),
      );

      const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
      expect(plan.ok).toBe(false);
      expect(plan.rows.map((r) => [r.alias, r.status])).toEqual(
        keys.map((k) => [k.alias, k === relayer ? 'broken' : 'create']),
      );
      const broken = plan.rows[0]!;
      expect(broken.keyId).toBe(wrong);
      expect(broken.reason).toContain(shape.KeySpec);
      expect(broken.reason).toContain(`aws kms update-alias --alias-name ${relayer.alias}`);
      // KMS refused GetPublicKey for it (as real KMS does), and the plan read on.
      expect(proxy.counts().GetPublicKey).toBeGreaterThanOrEqual(1);

      const apply = await runKeysRows({ env, keys, clients, mode: 'apply' });
      expect(apply.ok).toBe(false);
      expect(apply.rows.map((r) => r.status)).toEqual(
        keys.map((k) => (k === relayer ? 'broken' : 'created')),
      );
      const { aliases } = await kmsState(direct.kms);
      expect(aliases.get(relayer.alias)).toBe(wrong);
    },
  );
});
