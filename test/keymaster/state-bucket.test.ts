/**
 * The Keymaster's state bucket in the bucket plan and apply, on moto: created private, versioned,
 * encrypted, with its deny policy and no CORS; a second apply writes nothing; versioning
 * suspended by hand is drift the next apply repairs.
 */
import {
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { bucketJob } from '../../src/jobs/iam.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { stateBucketName, stateBucketPolicyDocument } from '../../src/inventory/keymaster-state.js';
import { workspaceWithAccounts } from '../actions/workspace.js';
import { bucketSuffix, motoEnv, nextAccountId, requireMotoUrl } from '../harness/emulators.js';

describe('the Keymaster state bucket', () => {
  it('is planned and applied with the proofs bucket, and kept in line', async () => {
    const account = nextAccountId();
    const cwd = workspaceWithAccounts(
      { staging: account },
      { bucketSuffix: bucketSuffix(account) },
    );
    const env = loadEnvironment('staging', cwd);
    const clients = await awsForEnvironment(env, await motoEnv(requireMotoUrl(), account));
    const bucket = stateBucketName(env);
    expect(bucket).toBe(`nomadxyz-staging-keymaster-${bucketSuffix(account)}`);

    const plan = await bucketJob(env, clients, 'plan');
    const planned = plan.result.changes.filter((c) => c.id === bucket);
    expect(planned.map((c) => [c.kind, c.action])).toEqual([
      ['s3-bucket', 'create'],
      ['s3-bucket-tags', 'create'],
      ['s3-public-access-block', 'create'],
      ['s3-bucket-policy', 'create'],
      ['s3-bucket-versioning', 'create'],
      ['s3-bucket-encryption', 'create'],
    ]);
    expect(plan.markdown).toContain(bucket);

    expect((await bucketJob(env, clients, 'apply')).result.ok).toBe(true);
    const versioning = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe('Enabled');
    const encryption = await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe('AES256');
    const block = await clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    expect(JSON.parse(policy.Policy!)).toEqual(stateBucketPolicyDocument(bucket));

    // moto enforces the policy's unconditioned Deny: a ledger object cannot be deleted.
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'ledger/records/1/0x1.json',
        Body: '{}',
        IfNoneMatch: '*',
      }),
    );
    await expect(
      clients.s3.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: 'ledger/records/1/0x1.json' }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    const again = await bucketJob(env, clients, 'plan');
    expect(again.result.changes.filter((c) => c.action !== 'exists')).toEqual([]);

    // Versioning suspended by hand: drift, repaired by the next apply.
    await clients.s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: 'Suspended' },
      }),
    );
    const drift = await bucketJob(env, clients, 'plan');
    expect(drift.result.changes.filter((c) => c.action !== 'exists')).toMatchObject([
      { kind: 's3-bucket-versioning', id: bucket, action: 'update' },
    ]);
    expect((await bucketJob(env, clients, 'apply')).result.ok).toBe(true);
    const fixed = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(fixed.Status).toBe('Enabled');
  }, 120_000);
});
