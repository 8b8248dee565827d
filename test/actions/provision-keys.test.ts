import {
  ListSecretsCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { keysPlanJsonSchema } from '../../src/report/plan-json.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { runAction } from '../harness/run-action.js';
import { motoEnv, workspaceWithAccounts } from './workspace.js';

const STAGING = nextAccountId();
const DEVELOPMENT = nextAccountId();
let motoUrl: string;
let workspace: string;

beforeAll(() => {
  motoUrl = requireMotoUrl();
  workspace = workspaceWithAccounts({ staging: STAGING, development: DEVELOPMENT });
});

describe('the provision-keys action, run as the runner runs it', () => {
  it('applies the staging keys, then a second run creates none and reports the same table', async () => {
    const env = await motoEnv(motoUrl, STAGING);
    const first = await runAction('provision-keys', {
      inputs: { environment: 'staging', mode: 'apply' },
      workspace,
      env,
    });
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const applied = keysPlanJsonSchema.parse(JSON.parse(first.outputs['keys-json']!));
    expect(applied.keys).toHaveLength(29);
    expect(first.outputs.created).toBe('29');
    expect(first.summary).toContain(
      '| Alias | Region | Key ID | ARN | Description | Ethereum address |',
    );
    expect(first.summary).toContain('alias/staging-kovan-processor-signer');
    expect(applied.attestation.map((a) => a.network).sort()).toEqual([
      'goerli',
      'kovan',
      'moonbasealpha',
      'sepolia',
    ]);

    const second = await runAction('provision-keys', {
      inputs: { environment: 'staging', mode: 'apply' },
      workspace,
      env,
    });
    expect(second.exitCode).toBe(0);
    expect(second.outputs.created).toBe('0');
    const again = keysPlanJsonSchema.parse(JSON.parse(second.outputs['keys-json']!));
    expect(again.keys.map((k) => [k.alias, k.address])).toEqual(
      applied.keys.map((k) => [k.alias, k.address]),
    );
  }, 90_000);

  it('development: hex keys go to Secrets Manager and appear in no output, log or summary', async () => {
    const env = await motoEnv(motoUrl, DEVELOPMENT);
    const run = await runAction('provision-keys', {
      inputs: { environment: 'development', mode: 'apply' },
      workspace,
      env,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const secrets = new SecretsManagerClient({
      region: 'us-west-2',
      endpoint: motoUrl,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN!,
      },
    });
    const listed = await secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
    const names = (listed.SecretList ?? [])
      .map((s) => s.Name!)
      .filter((n) => n.startsWith('nomad/development/'));
    expect(names).toHaveLength(22);
    const everything = [run.stdout, run.stderr, run.summary, ...Object.values(run.outputs)]
      .join('\n')
      .toLowerCase();
    for (const name of names) {
      const value = (await secrets.send(new GetSecretValueCommand({ SecretId: name })))
        .SecretString!;
      expect(value).toMatch(/^0x[0-9a-f]{64}$/i);
      expect(everything).not.toContain(value.slice(2).toLowerCase());
    }
  }, 90_000);

  it('fails with the problem named when the environment file is wrong, before touching AWS', async () => {
    const run = await runAction('provision-keys', {
      inputs: { environment: 'qa', mode: 'apply' },
      workspace,
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::');
    expect(run.stdout).toContain('qa.yaml');
  });
});
