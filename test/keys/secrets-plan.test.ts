import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SigningKey, computeAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../harness/latency-proxy.js';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { keysFor } from '../../src/inventory/keys.js';
import { TAG_KEYS } from '../../src/inventory/tags.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';
import { loadEnv, runKeysRows } from './helpers.js';

/**
 * The development plan role has DescribeSecret, not GetSecretValue: a plan reads each address
 * from the secret's `nomad:address` tag, and only an apply reads keys (and adds a missing tag).
 */

const env = loadEnv('development');
const allKeys = keysFor(env);

let motoUrl: string;
const proxies: LatencyProxy[] = [];

beforeAll(() => {
  motoUrl = requireMotoUrl();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

/** Clients of a new account through a counting proxy, and direct ones to set the scene. */
async function freshAccount(): Promise<{
  clients: AwsClients;
  direct: AwsClients;
  proxy: LatencyProxy;
}> {
  const credentials = await motoCredentials(motoUrl, nextAccountId());
  const proxy = await startLatencyProxy({ target: motoUrl });
  proxies.push(proxy);
  const region = env.aws.region;
  return {
    clients: createAwsClients({ region, endpoint: proxy.url, credentials }),
    direct: createAwsClients({ region, endpoint: motoUrl, credentials }),
    proxy,
  };
}

async function addressTag(secrets: SecretsManagerClient, name: string) {
  const { Tags = [] } = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
  return Tags.find((t) => t.Key === TAG_KEYS.address)?.Value;
}

const hexKey = (byte: string) => '0x' + byte.repeat(32);
const addressOf = (hex: string) => computeAddress(new SigningKey(hex).publicKey);

describe('development key plan', () => {
  it('reads addresses from the tags and never a key', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const applied = await runKeysRows({ env, keys: allKeys, clients: direct, mode: 'apply' });
    expect(applied.ok).toBe(true);

    const plan = await runKeysRows({ env, keys: allKeys, clients, mode: 'plan' });
    expect(plan.ok).toBe(true);
    expect(plan.rows.map((r) => r.status)).toEqual(allKeys.map(() => 'exists'));
    expect(plan.rows.map((r) => r.address)).toEqual(applied.rows.map((r) => r.address));
    expect(plan.rows.map((r) => r.arn)).toEqual(applied.rows.map((r) => r.arn));
    expect(proxy.counts()).toEqual({ DescribeSecret: allKeys.length });
  });

  it('reports a secret without its address tag with the fix, and apply adds the tag', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const [untagged, mistagged, deleted] = allKeys;
    const hex = hexKey('12');
    const otherHex = hexKey('34');
    await direct.secrets.send(
      new CreateSecretCommand({ Name: untagged!.secretName, SecretString: hex }),
    );
    await direct.secrets.send(
      new CreateSecretCommand({
        Name: mistagged!.secretName,
        SecretString: otherHex,
        Tags: [{ Key: TAG_KEYS.address, Value: addressOf(hex) }],
      }),
    );
    await direct.secrets.send(
      new CreateSecretCommand({ Name: deleted!.secretName, SecretString: hexKey('56') }),
    );
    await direct.secrets.send(
      new DeleteSecretCommand({ SecretId: deleted!.secretName, RecoveryWindowInDays: 7 }),
    );
    const keys = [untagged!, mistagged!, deleted!];

    const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
    expect(proxy.counts().GetSecretValue).toBeUndefined();
    expect(plan.ok).toBe(false);
    expect(plan.rows.map((r) => r.status)).toEqual(['broken', 'exists', 'broken']);
    expect(plan.rows[0]!.reason).toContain(`has no ${TAG_KEYS.address} tag`);
    expect(plan.rows[0]!.reason).toContain('nomad-ops keys apply');
    expect(plan.rows[0]!.address).toBe('');
    expect(plan.rows[2]!.reason).toContain(
      `aws secretsmanager restore-secret --secret-id ${deleted!.secretName}`,
    );
    expect(JSON.stringify(plan)).not.toContain(hex.slice(2));

    proxy.reset();
    const applied = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(applied.rows.map((r) => r.status)).toEqual(['exists', 'exists', 'broken']);
    expect(applied.rows[0]!.address).toBe(addressOf(hex));
    expect(applied.rows[1]!.address).toBe(addressOf(otherHex));
    expect(proxy.counts().TagResource).toBe(2);
    expect(proxy.counts().CreateSecret).toBeUndefined();
    expect(await addressTag(direct.secrets, untagged!.secretName!)).toBe(addressOf(hex));
    expect(await addressTag(direct.secrets, mistagged!.secretName!)).toBe(addressOf(otherHex));
    expect(JSON.stringify(applied)).not.toContain(hex.slice(2));

    // Tagged now: the plan knows both addresses without reading a key.
    proxy.reset();
    const again = await runKeysRows({ env, keys, clients, mode: 'plan' });
    expect(again.rows.map((r) => r.status)).toEqual(['exists', 'exists', 'broken']);
    expect(again.rows.slice(0, 2).map((r) => r.address)).toEqual(
      applied.rows.slice(0, 2).map((r) => r.address),
    );
    expect(proxy.counts().GetSecretValue).toBeUndefined();
  });
});
