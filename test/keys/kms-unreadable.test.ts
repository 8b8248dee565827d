import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startLatencyProxy,
  type LatencyProxy,
  type LatencyProxyOptions,
  type ProxyResponse,
} from '../harness/latency-proxy.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { keysFor } from '../../src/inventory/keys.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';
import { loadEnv, runKeysRows } from './helpers.js';

/**
 * Looking for a key an earlier run left without its alias reads the tags of every key without
 * an alias. A key whose policy does not delegate to IAM refuses that: it is skipped and counted,
 * and the plan goes on.
 */

const staging = loadEnv('staging');
const keys = keysFor(staging).slice(0, 2);

let motoUrl: string;
const proxies: LatencyProxy[] = [];

beforeAll(() => {
  motoUrl = requireMotoUrl();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

const accessDenied = (): ProxyResponse => ({
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: Buffer.from(
    JSON.stringify({
      __type: 'AccessDeniedException',
      message: 'User is not authorized to perform: kms:ListResourceTags',
    }),
  ),
});

describe('keys without an alias whose tags may not be read', () => {
  it('are skipped and counted in the reason; the plan still adopts and creates', async () => {
    const accountId = nextAccountId();
    const credentials = await motoCredentials(motoUrl, accountId);
    // The file names the account: keys are checked against its root delegation.
    const env = { ...staging, aws: { ...staging.aws, accountId } };
    const direct = createAwsClients({ region: env.aws.region, endpoint: motoUrl, credentials });

    // Another team's key, its policy not delegating to IAM, and the key an earlier run left.
    const { KeyMetadata: foreign } = await direct.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    const { KeyMetadata: orphan } = await direct.kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_SECG_P256K1',
        KeyUsage: 'SIGN_VERIFY',
        Description: keys[0]!.description,
        Tags: Object.entries(keys[0]!.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      }),
    );

    const denied: string[] = [];
    const refusing: LatencyProxyOptions['handle'] = async (request, forward, operation) => {
      if (operation === 'ListResourceTags') {
        const { KeyId } = JSON.parse(request.body.toString('utf8')) as { KeyId: string };
        if (KeyId === foreign!.KeyId) {
          denied.push(KeyId);
          return accessDenied();
        }
      }
      return forward(request);
    };
    const proxy = await startLatencyProxy({ target: motoUrl, handle: refusing });
    proxies.push(proxy);
    const clients = createAwsClients({ region: env.aws.region, endpoint: proxy.url, credentials });

    const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
    expect(denied.length).toBeGreaterThan(0);
    expect(plan.changes.map((c) => c.action)).toEqual(['adopt', 'create']);
    expect(plan.changes[0]!.detail!.keyId).toBe(orphan!.KeyId);
    const created = plan.rows[1]!;
    expect(created.status).toBe('create');
    expect(created.reason).toContain('1 key without an alias skipped');
    expect(created.reason).toContain(foreign!.KeyId);
    expect(plan.changes[1]!.reason).toContain('kms:ListResourceTags');

    const applied = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(applied.ok).toBe(true);
    expect(applied.rows.map((r) => r.status)).toEqual(['adopted', 'created']);
    expect(applied.rows[0]!.keyId).toBe(orphan!.KeyId);
    expect(applied.rows[1]!.keyId).not.toBe(foreign!.KeyId);
  });
});
