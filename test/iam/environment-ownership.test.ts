/**
 * An environment owns only its own (issue 13): a resource the toolkit tagged for another
 * environment, under a name the naming scheme does not give away, is `broken` and never
 * re-tagged, changed or pruned. Against moto.
 */
import {
  CreatePolicyCommand,
  CreateUserCommand,
  GetGroupCommand,
  ListPolicyTagsCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetBucketTaggingCommand,
  PutBucketTaggingCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { baseTags } from '../../src/inventory/tags.js';
import type { Inventory } from '../../src/inventory/types.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { runBucket } from '../../src/plan/bucket/bucket.js';
import { accountClients, stagingInventory } from './support.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';

const url = requireMotoUrl();

/** Accounts of this file (test/harness/emulators.ts: testAccountId). */
const account = (n: number) => testAccountId(n);
const asTags = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Staging's inventory with its signer user renamed to `user` (a name that names no environment). */
function renamedSigner(inventory: Inventory, user: string): Inventory {
  const old = inventory.iam.users[0]!.name;
  return {
    ...inventory,
    iam: {
      ...inventory.iam,
      users: inventory.iam.users.map((u) => (u.name === old ? { ...u, name: user } : u)),
      memberships: inventory.iam.memberships.map((m) => (m.user === old ? { ...m, user } : m)),
    },
  };
}

describe("an environment never takes another's resources", () => {
  it('refuses a user and a policy tagged for production, and re-tags neither', async () => {
    const accountId = account(1);
    const base = stagingInventory(accountId);
    const inventory = renamedSigner(base, 'ops-signer');
    const { clients, recorder } = await accountClients(url, accountId);
    await clients.iam.send(
      new CreateUserCommand({ UserName: 'ops-signer', Tags: asTags(baseTags('production')) }),
    );
    const relayer = inventory.iam.policies.find((p) => p.name === 'staging-relayer-signer')!;
    await clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: relayer.name,
        PolicyDocument: JSON.stringify(relayer.document),
        Tags: asTags(baseTags('production')),
      }),
    );
    recorder.writes.length = 0;

    const result = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(result.ok).toBe(false);
    const row = (kind: string, id: string) =>
      result.changes.find((c) => c.kind === kind && c.id === id)!;
    for (const [kind, id] of [
      ['iam-user', 'ops-signer'],
      ['iam-policy', 'staging-relayer-signer'],
    ] as const) {
      expect(row(kind, id).action, id).toBe('broken');
      expect(row(kind, id).reason).toContain('belongs to production');
    }
    expect(row('iam-group-membership', 'ops-signer in staging-signer').action).toBe('broken');
    expect(recorder.writes).not.toContain('TagUserCommand');
    expect(recorder.writes).not.toContain('TagPolicyCommand');
    expect(recorder.writes).not.toContain('CreatePolicyVersionCommand');
    const group = await clients.iam.send(new GetGroupCommand({ GroupName: 'staging-signer' }));
    expect(group.Users!.map((u) => u.UserName)).not.toContain('ops-signer');
    expect(
      (await clients.iam.send(new ListUserTagsCommand({ UserName: 'ops-signer' }))).Tags,
    ).toContainEqual({ Key: 'nomad:environment', Value: 'production' });
    expect(
      (await clients.iam.send(new ListPolicyTagsCommand({ PolicyArn: relayer.arn }))).Tags,
    ).toContainEqual({ Key: 'nomad:environment', Value: 'production' });
  });

  it('refuses a bucket tagged for production and never re-tags it', async () => {
    const accountId = account(2);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    const bucket = inventory.bucket.name;
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
      }),
    );
    await clients.s3.send(
      new PutBucketTaggingCommand({
        Bucket: bucket,
        Tagging: { TagSet: asTags(baseTags('production')) },
      }),
    );
    recorder.writes.length = 0;
    const result = await runBucket({ inventory, clients, mode: 'apply' });
    expect(result.ok).toBe(false);
    const row = result.changes.find((c) => c.kind === 's3-bucket')!;
    expect(row.action).toBe('broken');
    expect(row.reason).toContain('belongs to production');
    expect(recorder.writes).toEqual([]);
    const tags = await clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    expect(tags.TagSet).toContainEqual({ Key: 'nomad:environment', Value: 'production' });
  });
});
