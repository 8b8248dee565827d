import {
  AttachGroupPolicyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUserTagsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { AccountMismatchError } from '../../src/aws/sts.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { InputError, exitCodeOf } from '../../src/errors.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { accessKeySecretName } from '../../src/aws/iam-access-keys.js';
import { baseTags } from '../../src/inventory/tags.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { IamInputError } from '../../src/plan/iam/validate.js';
import { BucketInputError, runBucket } from '../../src/plan/bucket/bucket.js';
import { motoCredentials } from '../harness/moto.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';
import { accountClients, stagingInventory } from './support.js';

const url = requireMotoUrl();

/** Accounts of this file (test/harness/emulators.ts: testAccountId). */
const account = (n: number) => testAccountId(n);
const asTags = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

describe('ownership', () => {
  it('never changes an untagged user that has a wanted name, and says how to adopt it', async () => {
    const accountId = account(1);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    await clients.iam.send(
      new CreateUserCommand({
        UserName: 'nomad-signer-staging',
        Tags: [{ Key: 'owner', Value: 'alice' }],
      }),
    );
    recorder.writes.length = 0;

    const result = await runIam({ inventory, clients, mode: 'apply' });
    expect(result.ok).toBe(false);
    const user = result.changes.find(
      (c) => c.kind === 'iam-user' && c.id === 'nomad-signer-staging',
    )!;
    expect(user.action).toBe('broken');
    expect(user.reason).toContain('aws iam tag-user --user-name nomad-signer-staging');
    const membership = result.changes.find(
      (c) => c.kind === 'iam-group-membership' && c.id.startsWith('nomad-signer-staging'),
    )!;
    expect(membership.action).toBe('broken');

    expect(recorder.writes).not.toContain('TagUserCommand');
    const tags = await clients.iam.send(
      new ListUserTagsCommand({ UserName: 'nomad-signer-staging' }),
    );
    expect(tags.Tags).toEqual([{ Key: 'owner', Value: 'alice' }]);
    const groups = await clients.iam.send(
      new ListGroupsForUserCommand({ UserName: 'nomad-signer-staging' }),
    );
    expect(groups.Groups).toEqual([]);
    // The rest of the environment was still applied (the admin user is in its group).
    const admin = await clients.iam.send(new ListGroupsForUserCommand({ UserName: 'kms-admin' }));
    expect(admin.Groups!.map((g) => g.GroupName)).toEqual(['kms-admin']);
  });

  it('lists tagged leftovers as removable, removes them only with prune, and leaves untagged ones', async () => {
    const accountId = account(2);
    const inventory = stagingInventory(accountId);
    const { clients } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);

    const ours = baseTags('staging');
    await clients.iam.send(new CreateUserCommand({ UserName: 'old-signer', Tags: asTags(ours) }));
    await clients.iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await clients.iam.send(
      new CreateUserCommand({ UserName: 'other-env', Tags: asTags(baseTags('production')) }),
    );
    const { Policy } = await clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: 'staging-old-role-signer',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'kms:Sign', Resource: '*' }],
        }),
        Tags: asTags(ours),
      }),
    );
    await clients.iam.send(
      new AttachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: Policy!.Arn }),
    );

    const plan = await runIam({ inventory, clients, mode: 'plan' });
    const removals = plan.changes
      .filter((c) => c.action === 'remove')
      .map((c) => `${c.kind} ${c.id}`);
    expect(removals.sort()).toEqual(['iam-policy staging-old-role-signer', 'iam-user old-signer']);

    const withoutPrune = await runIam({ inventory, clients, mode: 'apply' });
    expect(withoutPrune.ok).toBe(true);
    await expect(
      clients.iam.send(new GetUserCommand({ UserName: 'old-signer' })),
    ).resolves.toBeDefined();

    const pruned = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    expect(pruned.after!.filter((c) => c.action !== 'exists')).toEqual([]);
    await expect(clients.iam.send(new GetUserCommand({ UserName: 'old-signer' }))).rejects.toThrow(
      /cannot be found|not found/i,
    );
    await expect(
      clients.iam.send(new GetUserCommand({ UserName: 'alice' })),
    ).resolves.toBeDefined();
    await expect(
      clients.iam.send(new GetUserCommand({ UserName: 'other-env' })),
    ).resolves.toBeDefined();
  });
});

describe('access keys', () => {
  it('are created only on request, stored in Secrets Manager, and never appear in results or logs', async () => {
    const accountId = account(3);
    const inventory = stagingInventory(accountId);
    const { clients } = await accountClients(url, accountId);
    await runIam({ inventory, clients, mode: 'apply' });
    const keys = await clients.iam.send(
      new ListAccessKeysCommand({ UserName: 'nomad-signer-staging' }),
    );
    expect(keys.AccessKeyMetadata).toEqual([]);

    const log: string[] = [];
    const result = await runIam({
      inventory,
      clients,
      mode: 'apply',
      createAccessKeys: true,
      onStep: (s) => log.push(s),
    });
    expect(result.ok).toBe(true);
    const created = result.changes.filter((c) => c.kind === 'iam-access-key');
    expect(created.map((c) => `${c.id} ${c.action}`)).toEqual(['nomad-signer-staging create']);

    const secret = await clients.secrets.send(
      new GetSecretValueCommand({
        SecretId: accessKeySecretName('staging', 'nomad-signer-staging'),
      }),
    );
    const stored = JSON.parse(secret.SecretString!) as {
      accessKeyId: string;
      secretAccessKey: string;
    };
    const listed = await clients.iam.send(
      new ListAccessKeysCommand({ UserName: 'nomad-signer-staging' }),
    );
    expect(listed.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([stored.accessKeyId]);
    expect(stored.secretAccessKey.length).toBeGreaterThan(20);
    const everything = JSON.stringify(result) + log.join('\n');
    expect(everything).not.toContain(stored.secretAccessKey);
    expect(everything).not.toContain(stored.accessKeyId);

    const again = await runIam({ inventory, clients, mode: 'apply', createAccessKeys: true });
    expect(again.changes.find((c) => c.kind === 'iam-access-key')!.action).toBe('exists');
    const still = await clients.iam.send(
      new ListAccessKeysCommand({ UserName: 'nomad-signer-staging' }),
    );
    expect(still.AccessKeyMetadata).toHaveLength(1);
    // The KMS admin gets no key.
    const admin = await clients.iam.send(new ListAccessKeysCommand({ UserName: 'kms-admin' }));
    expect(admin.AccessKeyMetadata).toEqual([]);
  });
});

describe('bad input', () => {
  it('a policy name over 128 characters: a clear error and no write', async () => {
    const accountId = account(4);
    const inventory = stagingInventory(accountId);
    inventory.iam.policies[0]!.name = `staging-${'x'.repeat(130)}`;
    const { clients, recorder } = await accountClients(url, accountId);
    await expect(runIam({ inventory, clients, mode: 'apply' })).rejects.toThrow(IamInputError);
    await expect(runIam({ inventory, clients, mode: 'apply' })).rejects.toThrow(
      /138 characters; it must be 1 to 128/,
    );
    expect(recorder.writes).toEqual([]);
  });

  it('an invalid bucket name: a clear error and no write', async () => {
    const accountId = account(5);
    const inventory = stagingInventory(accountId);
    inventory.bucket.name = 'Nomad_Proofs';
    const { clients, recorder } = await accountClients(url, accountId);
    await expect(runBucket({ inventory, clients, mode: 'apply' })).rejects.toThrow(
      BucketInputError,
    );
    await expect(runBucket({ inventory, clients, mode: 'apply' })).rejects.toThrow(
      /lower-case letters/,
    );
    expect(recorder.writes).toEqual([]);
  });

  it('credentials of another account than the environment file names: a clear error and no client', async () => {
    // The one account check is where every job gets its clients: none are handed out, so
    // neither the IAM nor the bucket job can read or write in the wrong account.
    const loaded = loadEnvironmentFile(
      resolve(import.meta.dirname, '../../environments/staging.yaml'),
    );
    if (!loaded.ok) throw new Error('staging.yaml does not load');
    const env = { ...loaded.env, aws: { ...loaded.env.aws, accountId: account(6) } };
    const credentials = await motoCredentials(url, account(7));
    const vars = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_ENDPOINT_URL: url,
    };
    const refused = awsForEnvironment(env, vars);
    await expect(refused).rejects.toThrow(AccountMismatchError);
    await expect(refused).rejects.toThrow(
      `names AWS account ${account(6)}, but the credentials act in account ${account(7)}`,
    );
    await expect(refused).rejects.toBeInstanceOf(InputError);
    expect(exitCodeOf(await refused.catch((e: unknown) => e))).toBe(2);
    const { clients } = await accountClients(url, account(7));
    expect((await clients.iam.send(new ListUsersCommand({}))).Users).toEqual([]);
  });
});
