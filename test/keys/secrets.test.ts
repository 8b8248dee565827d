import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SigningKey, computeAddress } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  startLatencyProxy,
  type LatencyProxy,
  type LatencyProxyOptions,
} from '../harness/latency-proxy.js';
import type { AwsClients } from '../../src/aws/clients.js';
import { createSecretKeyStore } from '../../src/aws/secrets.js';
import { keysFor } from '../../src/inventory/keys.js';
import { TAG_KEYS } from '../../src/inventory/tags.js';
import { keyRows, type KeysResult } from '../../src/plan/keys/rows.js';
import { keysJson, renderKeysConsole, renderKeysMarkdown } from '../../src/report/keys.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';
import { nextAccountId } from '../harness/emulators.js';

const SECRETS_WRITES = [
  'CreateSecret',
  'PutSecretValue',
  'UpdateSecret',
  'TagResource',
  'UntagResource',
  'DeleteSecret',
  'RestoreSecret',
  'RotateSecret',
];

const env = loadEnv('development');
const allKeys = keysFor(env);

let moto: { url: string };
const proxies: LatencyProxy[] = [];

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

async function freshAccount(handle?: LatencyProxyOptions['handle']) {
  const accountId = nextAccountId();
  const proxy = await startLatencyProxy({ target: moto.url, ...(handle ? { handle } : {}) });
  proxies.push(proxy);
  const clients: AwsClients = await clientsFor(moto.url, accountId, env.aws.region, proxy.url);
  const direct: AwsClients = await clientsFor(moto.url, accountId, env.aws.region);
  return { clients, direct, proxy };
}

const writesIn = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([op]) => SECRETS_WRITES.includes(op)));

async function storedHex(secrets: SecretsManagerClient, name: string): Promise<string> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
  return SecretString!;
}

/** Every rendering of a result, as text to scan. */
function everyOutput(result: KeysResult): string {
  const rows = keyRows(result);
  return [
    JSON.stringify(result),
    JSON.stringify(keysJson(rows, result.ok)),
    renderKeysConsole(rows),
    renderKeysMarkdown(rows, result.ok, { title: 'Keys — development' }),
  ].join('\n');
}

/** Fails if any of the hex keys (with or without 0x, any case) is in `text`. */
function expectNoKey(text: string, hexKeys: string[]) {
  const lower = text.toLowerCase();
  for (const hex of hexKeys) {
    expect(hex).toMatch(/^0x[0-9a-f]{64}$/i);
    expect(lower.includes(hex.slice(2).toLowerCase())).toBe(false);
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', JSON.stringify(current));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}

/** Captures console and stdout/stderr while `run` runs. */
async function capturingLogs<T>(run: () => Promise<T>): Promise<{ value: T; logs: string }> {
  const logs: string[] = [];
  const record = (...args: unknown[]) => {
    logs.push(args.map(String).join(' '));
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(record),
    vi.spyOn(console, 'info').mockImplementation(record),
    vi.spyOn(console, 'warn').mockImplementation(record),
    vi.spyOn(console, 'error').mockImplementation(record),
    vi.spyOn(console, 'debug').mockImplementation(record),
  ];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    logs.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    logs.push(String(chunk));
    return true;
  });
  try {
    return { value: await run(), logs: logs.join('\n') };
  } finally {
    for (const s of [...spies, out, err]) s.mockRestore();
  }
}

describe('development keys in Secrets Manager against moto', () => {
  it('stores a key per secret name, outputs only addresses, and a second apply writes nothing', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const { value: first, logs } = await capturingLogs(() =>
      runKeysRows({ env, keys: allKeys, clients, mode: 'apply' }),
    );
    expect(first.ok).toBe(true);
    expect(first.rows.map((r) => r.status)).toEqual(allKeys.map(() => 'created'));
    expect(writesIn(proxy.counts())).toEqual({ CreateSecret: allKeys.length });

    const hexKeys: string[] = [];
    for (const [i, key] of allKeys.entries()) {
      const hex = await storedHex(direct.secrets, key.secretName!);
      hexKeys.push(hex);
      const row = first.rows[i]!;
      expect(row.address).toBe(computeAddress(new SigningKey(hex).publicKey));
      expect(row.keyId).toBe(key.secretName);
      const described = await direct.secrets.send(
        new DescribeSecretCommand({ SecretId: key.secretName }),
      );
      expect(row.arn).toBe(described.ARN);
      const tags = Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).toEqual({ ...key.tags, [TAG_KEYS.address]: row.address });
    }
    expect(new Set(hexKeys).size).toBe(allKeys.length);
    expectNoKey(everyOutput(first) + logs, hexKeys);

    proxy.reset();
    const second = await runKeysRows({ env, keys: allKeys, clients, mode: 'apply' });
    expect(writesIn(proxy.counts())).toEqual({});
    expect(second.rows.map((r) => r.status)).toEqual(allKeys.map(() => 'exists'));
    expect(second.rows.map((r) => r.address)).toEqual(first.rows.map((r) => r.address));
    expectNoKey(everyOutput(second), hexKeys);
  });

  it('a retried create does not make a second key: what is stored wins', async () => {
    const { clients, direct } = await freshAccount();
    const store = createSecretKeyStore(clients.secrets, { region: env.aws.region });
    const key = allKeys[0]!;
    const input = { secretName: key.secretName!, description: key.description, tags: key.tags };
    const first = await store.createKey(input);
    const again = await store.createKey(input);
    expect(again).toEqual(first);
    const { SecretList = [] } = await direct.secrets.send(new ListSecretsCommand({}));
    expect(SecretList).toHaveLength(1);
  });

  it('keeps the key out of errors when a write or a read is refused', async () => {
    const sentKeys: string[] = [];
    let denyReads = false;
    const denied = {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: Buffer.from(
        JSON.stringify({ __type: 'AccessDeniedException', message: 'not allowed' }),
      ),
    };
    const refusing: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
      if (operation === 'CreateSecret') {
        const body = JSON.parse(request.body.toString('utf8')) as { SecretString: string };
        sentKeys.push(body.SecretString);
        if (sentKeys.length === 2) return denied;
      }
      if (operation === 'GetSecretValue' && denyReads) return denied;
      return forward(request);
    };
    const { clients } = await freshAccount(refusing);
    const keys = allKeys.slice(0, 3);

    const applied = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(applied.ok).toBe(false);
    expect(applied.rows.map((r) => r.status).sort()).toEqual(['created', 'created', 'failed']);
    const failed = applied.rows.find((r) => r.status === 'failed')!;
    expect(failed.reason).toContain('AccessDeniedException');
    expect(sentKeys).toHaveLength(3);
    expectNoKey(everyOutput(applied), sentKeys);

    // Only an apply reads the keys (a plan reads the address tags).
    denyReads = true;
    const thrown = await runKeysRows({ env, keys, clients, mode: 'apply' }).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain('GetSecretValue');
    expectNoKey(errorText(thrown), sentKeys);
  });

  it('reports a secret that holds no key and one scheduled for deletion, and creates the rest', async () => {
    const { clients, direct, proxy } = await freshAccount();
    const keys = allKeys.slice(0, 3);
    const garbage = '0x' + 'ab'.repeat(31); // 31 bytes: not a key
    await direct.secrets.send(
      new CreateSecretCommand({ Name: keys[0]!.secretName, SecretString: garbage }),
    );
    await direct.secrets.send(
      new CreateSecretCommand({
        Name: keys[1]!.secretName,
        SecretString: '0x' + '11'.repeat(32),
      }),
    );
    await direct.secrets.send(
      new DeleteSecretCommand({ SecretId: keys[1]!.secretName, RecoveryWindowInDays: 7 }),
    );

    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(result.ok).toBe(false);
    expect(result.rows.map((r) => r.status)).toEqual(['broken', 'broken', 'created']);
    expect(result.rows[0]!.reason).toContain('does not hold');
    expect(result.rows[1]!.reason).toContain(
      `aws secretsmanager restore-secret --secret-id ${keys[1]!.secretName}`,
    );
    expect(writesIn(proxy.counts())).toEqual({ CreateSecret: 1 });
    expect(everyOutput(result)).not.toContain(garbage.slice(2));
    expectNoKey(everyOutput(result), ['0x' + '11'.repeat(32)]);
  });
});
