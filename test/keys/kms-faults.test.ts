import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { keysFor } from '../../src/inventory/keys.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import type { KeySpec } from '../../src/inventory/types.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';
import { expectOneKeyPerAlias, kmsState, writesIn } from './kms-state.js';
import { nextAccountId } from '../harness/emulators.js';

/**
 * KMS keys exactly once (DESIGN §3) with faults injected between the code and moto: lost answers
 * after moto carried a call out, 500s after processing, 503 text pages, and keys an earlier run
 * left twice. Each ends with exactly one key per alias, extras retired and reported, and a
 * following apply that writes nothing.
 */

const staging = loadEnv('staging');
const allKeys = keysFor(staging);
const keys = allKeys.slice(0, 4);
const aliases = keys.map((k) => k.alias);

let moto: { url: string };
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

async function account(rules: FaultRule[] = []) {
  const accountId = nextAccountId();
  const proxy = await startFaultProxy({ target: moto.url, rules });
  proxies.push(proxy);
  const clients: AwsClients = await clientsFor(moto.url, accountId, staging.aws.region, proxy.url);
  const direct: AwsClients = await clientsFor(moto.url, accountId, staging.aws.region);
  // The file names the account: new keys' policies delegate to it, and keys are checked by it.
  const env = { ...staging, aws: { ...staging.aws, accountId } };
  return { proxy, clients, direct, env };
}

/** The following apply finds everything in place and writes nothing. */
async function expectConverged(
  env: ResolvedEnvironment,
  clients: AwsClients,
  proxy: FaultProxy,
  wanted: KeySpec[],
) {
  proxy.setRules([]);
  proxy.reset();
  const again = await runKeysRows({ env, keys: wanted, clients, mode: 'apply' });
  expect(again.ok).toBe(true);
  expect(writesIn(proxy.counts())).toEqual({});
  expect(again.rows.filter((r) => r.status !== 'leftover').map((r) => r.status)).toEqual(
    wanted.map(() => 'exists'),
  );
  return again;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));

describe('KMS keys exactly once, with faults between the toolkit and KMS', () => {
  it('a lost CreateKey answer is resolved by the key’s tags: no second key', async () => {
    const { proxy, clients, direct, env } = await account([
      { operation: 'CreateKey', calls: [2], fault: 'drop-answer' },
    ]);
    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });

    expect(proxy.injected()).toEqual([{ operation: 'CreateKey', call: 2, fault: 'drop-answer' }]);
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    // CreateKey was not sent again: the lookup found the key KMS made.
    expect(proxy.counts().CreateKey).toBe(keys.length);
    const lost = result.rows.find((r) => r.reason.includes('answer was lost'))!;
    expect(lost.reason).toContain(`found by its tags`);
    const { keys: inKms } = await kmsState(direct.kms);
    expect(inKms).toHaveLength(keys.length);
    expect([...(await expectOneKeyPerAlias(direct.kms, aliases)).values()].flat()).toEqual([]);
    await expectConverged(env, clients, proxy, keys);
  });

  it('a 500 after KMS created the key, twice: still one key per alias', async () => {
    const { proxy, clients, direct, env } = await account([
      { operation: 'CreateKey', calls: [1, 3], fault: 'error-500' },
    ]);
    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(proxy.injected()).toHaveLength(2);
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    expect((await kmsState(direct.kms)).keys).toHaveLength(keys.length);
    await expectOneKeyPerAlias(direct.kms, aliases);
    await expectConverged(env, clients, proxy, keys);
  });

  it('a 503 text page before KMS: nothing was created, so CreateKey is sent again', async () => {
    const { proxy, clients, direct, env } = await account([
      { operation: 'CreateKey', calls: [1], fault: 'text-503' },
    ]);
    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    expect(proxy.counts().CreateKey).toBe(keys.length + 1);
    expect((await kmsState(direct.kms)).keys).toHaveLength(keys.length);
    await expectConverged(env, clients, proxy, keys);
  });

  it('a lost CreateAlias answer: the retry finds the alias on our key, reported as created', async () => {
    const { proxy, clients, direct, env } = await account([
      { operation: 'CreateAlias', calls: [1], fault: 'drop-answer' },
    ]);
    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(proxy.injected()).toHaveLength(1);
    expect(proxy.counts().CreateAlias).toBeGreaterThan(keys.length);
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    for (const row of result.rows) {
      expect(row.reason).not.toMatch(/delet|without an alias/);
    }
    const { aliases: inKms } = await kmsState(direct.kms);
    for (const row of result.rows) expect(inKms.get(row.alias)).toBe(row.keyId);
    await expectOneKeyPerAlias(direct.kms, aliases);
    await expectConverged(env, clients, proxy, keys);
  });

  it('retires the extra keys earlier runs made, adopts the oldest, and lists every leftover', async () => {
    const { proxy, clients, direct, env } = await account();
    const [a, b, c] = keys as [KeySpec, KeySpec, KeySpec];
    const make = async (key: KeySpec, extraTags: Record<string, string> = {}) => {
      const { KeyMetadata } = await direct.kms.send(
        new CreateKeyCommand({
          KeySpec: 'ECC_SECG_P256K1',
          KeyUsage: 'SIGN_VERIFY',
          Description: key.description,
          Tags: tagList({ ...key.tags, ...extraTags }),
        }),
      );
      return KeyMetadata!.KeyId!;
    };
    // a: two runs each made a key, neither aliased it (so each still says it never held it).
    const made = [
      await make(a, { 'nomad:created-by-run': 'run-1', 'nomad:aliased': 'false' }),
      await make(a, { 'nomad:created-by-run': 'run-2', 'nomad:aliased': 'false' }),
    ];
    // The oldest is adopted, ties broken by key id (moto's clock may give both the same time).
    const created = await Promise.all(
      made.map(async (KeyId) => {
        const { KeyMetadata } = await direct.kms.send(new DescribeKeyCommand({ KeyId }));
        return { keyId: KeyId, at: KeyMetadata!.CreationDate!.getTime() };
      }),
    );
    created.sort((x, y) => x.at - y.at || x.keyId.localeCompare(y.keyId));
    const [aOld, aNew] = created.map((k) => k.keyId) as [string, string];
    // b: aliased, plus an extra from a racing CreateKey, which lost the alias (the record says
    // it never held it).
    const bLive = await make(b);
    await direct.kms.send(new CreateAliasCommand({ AliasName: b.alias, TargetKeyId: bLive }));
    const bExtra = await make(b, { 'nomad:aliased': 'false' });
    // c: an extra already pending deletion; and a key with our alias tag but not ours.
    const cPending = await make(c);
    await direct.kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: cPending, PendingWindowInDays: 30 }),
    );
    const { KeyMetadata: foreign } = await direct.kms.send(
      new CreateKeyCommand({ Tags: tagList({ 'nomad:alias': c.alias }) }),
    );

    const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
    const byKey = new Map(plan.rows.map((r) => [r.keyId, r]));
    expect(plan.rows.slice(0, 4).map((r) => r.status)).toEqual([
      'adopt',
      'exists',
      'create',
      'create',
    ]);
    expect(plan.rows[0]!.keyId).toBe(aOld);
    expect(byKey.get(aNew)).toMatchObject({ status: 'leftover', leftover: 'schedule-deletion' });
    expect(byKey.get(bExtra)).toMatchObject({ status: 'leftover', leftover: 'schedule-deletion' });
    expect(byKey.get(cPending)).toMatchObject({ status: 'leftover', leftover: 'keep' });
    expect(byKey.has(foreign!.KeyId!)).toBe(false);
    expect(byKey.get(bExtra)!.reason).toContain(`points at ${bLive}`);

    proxy.reset();
    const applied = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(applied.ok).toBe(true);
    const applyRows = new Map(applied.rows.map((r) => [r.keyId, r]));
    expect(applied.rows[0]).toMatchObject({ status: 'adopted', keyId: aOld });
    for (const extra of [aNew, bExtra]) {
      const row = applyRows.get(extra)!;
      expect(row.status).toBe('scheduled');
      expect(row.reason).toContain(
        `aws kms cancel-key-deletion --key-id ${extra} && aws kms enable-key --key-id ${extra}`,
      );
    }
    expect(applyRows.get(cPending)!.status).toBe('leftover');
    expect(writesIn(proxy.counts())).toMatchObject({
      CreateKey: 2,
      CreateAlias: 3,
      // The record that each aliased key may hold its alias, before each CreateAlias.
      TagResource: 3,
      DisableKey: 2,
      ScheduleKeyDeletion: 2,
    });

    const pending = await expectOneKeyPerAlias(direct.kms, aliases);
    expect(pending.get(a.alias)).toEqual([aNew]);
    expect(pending.get(b.alias)).toEqual([bExtra]);
    expect(pending.get(c.alias)).toEqual([cPending]);
    const { keys: after, aliases: aliasMap } = await kmsState(direct.kms);
    expect(after.find((k) => k.keyId === foreign!.KeyId)!.state).toBe('Enabled');
    expect(aliasMap.get(b.alias)).toBe(bLive);

    const again = await expectConverged(env, clients, proxy, keys);
    // Still listed, now as keys pending deletion that need nothing.
    const left = again.rows.filter((r) => r.status === 'leftover');
    expect(left.map((r) => r.keyId).sort()).toEqual([aNew, bExtra, cPending].sort());
    expect(left.every((r) => r.leftover === 'keep' && r.reason.includes('pending deletion'))).toBe(
      true,
    );
  });
});
