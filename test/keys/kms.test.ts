import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsThrottlingResponse,
  startLatencyProxy,
  type LatencyProxy,
  type LatencyProxyOptions,
} from '../harness/latency-proxy.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { createKmsKeyStore } from '../../src/aws/kms.js';
import { type KmsKeyStore } from '../../src/aws/kms-types.js';
import { keysFor } from '../../src/inventory/keys.js';
import type { KeySpec } from '../../src/inventory/types.js';
import { planKeys } from '../../src/plan/keys/keys.js';
import {
  addressesRecoveredFromKmsSignature,
  clientsFor,
  loadEnv,
  motoForTest,
  runKeysRows,
} from './helpers.js';
import { writesIn } from './kms-state.js';
import { nextAccountId } from '../harness/emulators.js';

const env = loadEnv('staging');
const allKeys = keysFor(env);

let moto: { url: string };
const proxies: LatencyProxy[] = [];

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

interface Account {
  /** Talk to moto through the counting proxy (what the code under test uses). */
  clients: AwsClients;
  /** Talk to moto directly (test setup and checks, not counted). */
  direct: AwsClients;
  proxy: LatencyProxy;
}

const envOf = new WeakMap<AwsClients, typeof env>();

async function freshAccount(handle?: LatencyProxyOptions['handle']): Promise<Account> {
  const accountId = nextAccountId();
  const proxy = await startLatencyProxy({ target: moto.url, ...(handle ? { handle } : {}) });
  proxies.push(proxy);
  const clients = await clientsFor(moto.url, accountId, env.aws.region, proxy.url);
  const direct = await clientsFor(moto.url, accountId, env.aws.region);
  // The file's account is the one the keys live in (jobs check it before any key call): their
  // key policy names that account's root.
  envOf.set(clients, { ...env, aws: { ...env.aws, accountId } });
  return { clients, direct, proxy };
}

async function ourAliases(kms: KMSClient): Promise<Map<string, string>> {
  const { Aliases = [] } = await kms.send(new ListAliasesCommand({}));
  return new Map(
    Aliases.filter((a) => !a.AliasName!.startsWith('alias/aws/')).map((a) => [
      a.AliasName!,
      a.TargetKeyId!,
    ]),
  );
}

async function keyCount(kms: KMSClient): Promise<number> {
  const { Keys = [] } = await kms.send(new ListKeysCommand({}));
  return Keys.length;
}

describe('KMS keys against moto', () => {
  it('creates exactly the inventory in a fresh account, then a second apply writes nothing', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const first = await runKeysRows({
      env: envOf.get(clients)!,
      keys: allKeys,
      clients,
      mode: 'apply',
    });

    expect(first.ok).toBe(true);
    expect(first.rows.map((r) => [r.alias, r.status])).toEqual(
      allKeys.map((k) => [k.alias, 'created']),
    );
    // Each new key is recorded as holding its alias right after its CreateAlias (issue 28).
    expect(writesIn(proxy.counts())).toEqual({
      CreateKey: allKeys.length,
      TagResource: allKeys.length,
      CreateAlias: allKeys.length,
    });

    const aliases = await ourAliases(direct.kms);
    expect([...aliases.keys()].sort()).toEqual(allKeys.map((k) => k.alias).sort());
    expect(await keyCount(direct.kms)).toBe(allKeys.length);

    for (const [i, key] of allKeys.entries()) {
      const row = first.rows[i]!;
      const keyId = aliases.get(key.alias)!;
      expect(row.keyId).toBe(keyId);
      const { KeyMetadata: meta } = await direct.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(meta?.KeySpec ?? meta?.CustomerMasterKeySpec).toBe('ECC_SECG_P256K1');
      expect(meta?.KeyUsage).toBe('SIGN_VERIFY');
      expect(meta?.Description).toBe(key.description);
      expect(row.arn).toBe(meta?.Arn);
      const { Tags = [] } = await direct.kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
      // Our tags, plus the run that created the key (how a lost CreateKey answer is resolved).
      expect(Object.fromEntries(Tags.map((t) => [t.TagKey, t.TagValue]))).toEqual({
        ...key.tags,
        'nomad:created-by-run': expect.stringMatching(/^[0-9a-f-]{36}$/),
        'nomad:aliased': 'true',
      });
      expect(row.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(await addressesRecoveredFromKmsSignature(direct.kms, keyId)).toContain(row.address);
    }

    proxy.reset();
    const second = await runKeysRows({
      env: envOf.get(clients)!,
      keys: allKeys,
      clients,
      mode: 'apply',
    });
    expect(second.rows.filter((r) => r.status !== 'exists')).toEqual([]);
    expect(second.ok).toBe(true);
    expect(writesIn(proxy.counts())).toEqual({});
    expect(second.rows.map((r) => r.status)).toEqual(allKeys.map(() => 'exists'));
    expect(second.rows.map((r) => r.address)).toEqual(first.rows.map((r) => r.address));
    // A no-change plan reads each key once: GetPublicKey by alias answers the key, its spec and
    // usage, and its address (a disabled key or one pending deletion is refused); the alias is
    // authoritative for trust (docs/keys.md). The aliases and keys are listed once (a page each
    // here) to find leftovers: no call per key for that.
    expect(proxy.counts()).toEqual({
      GetPublicKey: allKeys.length,
      ListAliases: 1,
      ListKeys: 1,
    });

    // With --verify-key-trust, who each key lets in is read too (issue 13): three calls more.
    proxy.reset();
    const verified = await runKeysRows({
      env: envOf.get(clients)!,
      keys: allKeys,
      clients,
      mode: 'plan',
      verifyKeyTrust: true,
    });
    expect(verified.rows.map((r) => r.status)).toEqual(allKeys.map(() => 'exists'));
    expect(proxy.counts()).toEqual({
      GetPublicKey: allKeys.length,
      GetKeyPolicy: allKeys.length,
      ListGrants: allKeys.length,
      ListResourceTags: allKeys.length,
      ListAliases: 1,
      ListKeys: 1,
    });
  });

  it('adopts the key a run left without an alias instead of creating a second one', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const keys = allKeys.slice(0, 5);
    const victim = keys[2]!;
    const real = createKmsKeyStore(clients.kms, { region: env.aws.region });
    const crashing: KmsKeyStore = {
      ...real,
      createAlias: async (alias, keyId) => {
        if (alias === victim.alias) throw new Error('injected crash after CreateKey');
        return real.createAlias(alias, keyId);
      },
    };

    const crashed = await runKeysRows({
      env: envOf.get(clients)!,
      keys,
      clients,
      mode: 'apply',
      store: crashing,
    });
    expect(crashed.ok).toBe(false);
    const failed = crashed.rows.find((r) => r.alias === victim.alias)!;
    expect(failed.status).toBe('failed');
    expect(failed.reason).toContain('injected crash');
    expect(failed.reason).toContain('apply again, it adopts that key');
    expect(crashed.rows.filter((r) => r.status === 'created')).toHaveLength(4);
    expect(await keyCount(direct.kms)).toBe(5);
    const aliasesAfterCrash = await ourAliases(direct.kms);
    expect(aliasesAfterCrash.has(victim.alias)).toBe(false);
    const { Keys = [] } = await direct.kms.send(new ListKeysCommand({}));
    const orphan = Keys.map((k) => k.KeyId!).find(
      (id) => ![...aliasesAfterCrash.values()].includes(id),
    )!;

    const plan = await planKeys(keys, real);
    expect(plan.map((c) => c.action)).toEqual(['exists', 'exists', 'adopt', 'exists', 'exists']);
    expect(plan[2]!.detail!.keyId).toBe(orphan);

    proxy.reset();
    const repaired = await runKeysRows({ env: envOf.get(clients)!, keys, clients, mode: 'apply' });
    expect(repaired.ok).toBe(true);
    expect(repaired.rows[2]!.status).toBe('adopted');
    // The alias, and the record that the key now holds it (it never did before).
    expect(writesIn(proxy.counts())).toEqual({ CreateAlias: 1, TagResource: 1 });
    expect(await keyCount(direct.kms)).toBe(5);
    const aliases = await ourAliases(direct.kms);
    expect(aliases.get(victim.alias)).toBe(orphan);
    expect(new Set(aliases.values()).size).toBe(5);
    expect(await addressesRecoveredFromKmsSignature(direct.kms, orphan)).toContain(
      repaired.rows[2]!.address,
    );
  });

  it('reports a P-256 key, a disabled key and a key pending deletion as broken and still does the rest', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const keys = allKeys.slice(0, 4);
    const [p256, disabled, deleting] = keys as [KeySpec, KeySpec, KeySpec, KeySpec];
    const make = async (alias: string, spec: 'ECC_NIST_P256' | 'ECC_SECG_P256K1') => {
      const { KeyMetadata } = await direct.kms.send(
        new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }),
      );
      await direct.kms.send(
        new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata!.KeyId }),
      );
      return KeyMetadata!.KeyId!;
    };
    await make(p256.alias, 'ECC_NIST_P256');
    const disabledId = await make(disabled.alias, 'ECC_SECG_P256K1');
    await direct.kms.send(new DisableKeyCommand({ KeyId: disabledId }));
    const deletingId = await make(deleting.alias, 'ECC_SECG_P256K1');
    await direct.kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: deletingId, PendingWindowInDays: 7 }),
    );

    const result = await runKeysRows({ env: envOf.get(clients)!, keys, clients, mode: 'apply' });
    expect(result.ok).toBe(false);
    expect(result.rows.map((r) => r.status)).toEqual(['broken', 'broken', 'broken', 'created']);
    expect(result.rows[0]!.reason).toContain('ECC_NIST_P256');
    expect(result.rows[1]!.reason).toContain(`aws kms enable-key --key-id ${disabledId}`);
    expect(result.rows[2]!.reason).toContain(`aws kms cancel-key-deletion --key-id ${deletingId}`);
    for (const row of result.rows.slice(0, 3)) expect(row.address).toBe('');
    expect(writesIn(proxy.counts())).toEqual({ CreateKey: 1, TagResource: 1, CreateAlias: 1 });
    expect(await keyCount(direct.kms)).toBe(4);
  });

  it('follows ListAliases pages past 250 unrelated aliases, and still adopts', async () => {
    // moto answers ListAliases in one page; real KMS pages by Limit (max 100) and Marker. The
    // proxy pages moto's full answer the way KMS does.
    const paging: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
      if (operation !== 'ListAliases') return forward(request);
      const asked = JSON.parse(request.body.toString('utf8')) as {
        Limit?: number;
        Marker?: string;
      };
      const full = await forward({ ...request, body: Buffer.from('{}') });
      const { Aliases } = JSON.parse(full.body.toString('utf8')) as { Aliases: unknown[] };
      const start = Number(asked.Marker ?? 0);
      const limit = Math.min(asked.Limit ?? 50, 100);
      const end = start + limit;
      const page = {
        Aliases: Aliases.slice(start, end),
        Truncated: end < Aliases.length,
        ...(end < Aliases.length ? { NextMarker: String(end) } : {}),
      };
      return { ...full, body: Buffer.from(JSON.stringify(page)) };
    };
    const { clients, direct, proxy } = await freshAccount(paging);
    const { KeyMetadata } = await direct.kms.send(new CreateKeyCommand({}));
    for (let i = 0; i < 250; i++) {
      await direct.kms.send(
        new CreateAliasCommand({
          AliasName: `alias/unrelated-${i}`,
          TargetKeyId: KeyMetadata!.KeyId,
        }),
      );
    }
    const keys = allKeys.slice(0, 3);
    const real = createKmsKeyStore(clients.kms, { region: env.aws.region });
    const crashing: KmsKeyStore = {
      ...real,
      createAlias: async (alias, keyId) => {
        if (alias === keys[1]!.alias) throw new Error('injected crash');
        return real.createAlias(alias, keyId);
      },
    };
    await runKeysRows({ env: envOf.get(clients)!, keys, clients, mode: 'apply', store: crashing });

    proxy.reset();
    const listed = await real.listAliases();
    const names = listed.map((a) => a.aliasName);
    expect(names.filter((n) => n.startsWith('alias/unrelated-'))).toHaveLength(250);
    expect(names).toContain(keys[0]!.alias);
    expect(names).toContain(keys[2]!.alias);
    expect(proxy.counts().ListAliases).toBe(Math.ceil(listed.length / 100));
    expect(proxy.counts().ListAliases).toBeGreaterThanOrEqual(3);

    const repaired = await runKeysRows({ env: envOf.get(clients)!, keys, clients, mode: 'apply' });
    expect(repaired.rows.map((r) => r.status)).toEqual(['exists', 'adopted', 'exists']);
    expect(await keyCount(direct.kms)).toBe(4); // the unrelated key + ours
  });

  it('succeeds when KMS throttles some calls', { timeout: 30_000 }, async () => {
    // The first call of a read and of both writes is throttled (the store's pacing keeps its
    // own calls under the quota; this is someone else's load on the same quota). Few on purpose: after each
    // throttle the SDK's adaptive mode slows every later call of the client down for seconds.
    const toThrottle = new Set(['GetPublicKey', 'CreateKey', 'CreateAlias']);
    const throttled: string[] = [];
    const throttling: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
      if (typeof operation === 'string' && toThrottle.delete(operation)) {
        throttled.push(operation);
        return awsThrottlingResponse();
      }
      return forward(request);
    };
    const { clients, direct } = await freshAccount(throttling);
    const keys = allKeys.slice(0, 6);
    const result = await runKeysRows({ env: envOf.get(clients)!, keys, clients, mode: 'apply' });
    expect(throttled.sort()).toEqual(['CreateAlias', 'CreateKey', 'GetPublicKey']);
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.status)).toEqual(keys.map(() => 'created'));
    expect(await keyCount(direct.kms)).toBe(6);
    expect((await ourAliases(direct.kms)).size).toBe(6);
  });
});
