import {
  CreatePolicyVersionCommand,
  GetRoleCommand,
  ListPolicyVersionsCommand,
  GetPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { runIam } from '../../src/plan/iam/iam.js';
import { runBucket } from '../../src/plan/bucket/bucket.js';
import { samePolicy } from '../../src/plan/policy-document.js';
import { InjectedCrash, accountClients, snapshot, stagingInventory } from './support.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';

const url = requireMotoUrl();

/** The parts of `snapshot` these tests look at. */
interface Snapshot {
  [key: string]: { members: string[]; path: string; attached: string[] };
  oidc: { clientIds: string[] } & Snapshot[string];
  bucket: {
    location: string;
    block: unknown;
    policy: object;
    cors: unknown;
    tags: unknown;
  } & Snapshot[string];
}

/** Accounts of this file (test/harness/emulators.ts: testAccountId). */
const account = (n: number) => testAccountId(n);

async function applyAll(accountId: string) {
  const inventory = stagingInventory(accountId);
  const { clients, recorder } = await accountClients(url, accountId);
  const access = await runIam({ inventory, clients, mode: 'apply' });
  const bucket = await runBucket({ inventory, clients, mode: 'apply' });
  return { inventory, clients, recorder, access, bucket };
}

describe('access and bucket apply on a fresh account', () => {
  it('creates everything as specified, and a second apply writes nothing', async () => {
    const { inventory, clients, recorder, access, bucket } = await applyAll(account(1));
    expect(access.ok).toBe(true);
    expect(bucket.ok).toBe(true);
    expect(access.after!.filter((c) => c.action !== 'exists')).toEqual([]);
    expect(recorder.writes).toContain('CreatePolicyCommand');

    const snap = (await snapshot(clients.iam, clients.s3, inventory)) as Snapshot;
    for (const u of inventory.iam.users) {
      expect(snap[`user ${u.name}`]).toEqual(
        expect.arrayContaining(Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value }))),
      );
    }
    for (const m of inventory.iam.memberships) {
      expect(snap[`group ${m.group}`]!.members).toContain(m.user);
      expect(snap[`group ${m.group}`]!.path).toBe('/nomad-agent-ops/');
    }
    for (const p of inventory.iam.policies) {
      const doc = (
        await clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: p.arn, VersionId: 'v1' }))
      ).PolicyVersion?.Document;
      expect(samePolicy(doc!, p.document), p.name).toBe(true);
    }
    for (const a of inventory.iam.attachments) {
      expect(snap[`${a.target.kind} ${a.target.name}`]!.attached).toContain(a.policyName);
    }
    for (const r of inventory.iam.github!.roles) {
      const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: r.name }));
      expect(samePolicy(Role!.AssumeRolePolicyDocument!, r.trustPolicy), r.name).toBe(true);
      expect(Role!.MaxSessionDuration).toBe(r.maxSessionDurationSeconds);
    }
    expect(snap.oidc.clientIds).toEqual(['sts.amazonaws.com']);
    expect(snap.bucket.location).toBe('us-west-2');
    expect(snap.bucket.block).toEqual(inventory.bucket.publicAccessBlock);
    expect(samePolicy(snap.bucket.policy, inventory.bucket.policy)).toBe(true);
    expect(snap.bucket.cors).toEqual(inventory.bucket.cors);
    expect(snap.bucket.tags).toEqual(
      expect.arrayContaining(
        Object.entries(inventory.bucket.tags).map(([Key, Value]) => ({ Key, Value })),
      ),
    );

    recorder.writes.length = 0;
    const again = await runIam({ inventory, clients, mode: 'apply' });
    const bucketAgain = await runBucket({ inventory, clients, mode: 'apply' });
    expect(recorder.writes).toEqual([]);
    expect(again.changes.every((c) => c.action === 'exists')).toBe(true);
    expect(bucketAgain.changes.every((c) => c.action === 'exists')).toBe(true);
  });
});

describe('development', () => {
  it('applies the development shape (secrets instead of KMS, no KMS admin) and converges', async () => {
    const accountId = account(7);
    const inventory = stagingInventory(accountId, 'development');
    const { clients, recorder } = await accountClients(url, accountId);
    const access = await runIam({ inventory, clients, mode: 'apply' });
    const bucket = await runBucket({ inventory, clients, mode: 'apply' });
    expect(access.ok && bucket.ok).toBe(true);
    expect(access.changes.filter((c) => c.kind === 'iam-user').map((c) => c.id)).toEqual([
      'nomad-signer-development',
    ]);
    recorder.writes.length = 0;
    await runIam({ inventory, clients, mode: 'apply' });
    expect(recorder.writes).toEqual([]);
  });
});

describe('drift', () => {
  it('shows a policy edited by hand as an update with a diff, and apply restores it', async () => {
    const { inventory, clients } = await applyAll(account(2));
    const policy = inventory.iam.policies.find((p) => p.name === 'staging-processor-signer')!;
    const widened = structuredClone(policy.document);
    widened.Statement[0]!.Action = ['kms:GetPublicKey', 'kms:Sign', 'kms:Decrypt'];
    await clients.iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policy.arn,
        PolicyDocument: JSON.stringify(widened),
        SetAsDefault: true,
      }),
    );

    const plan = await runIam({ inventory, clients, mode: 'plan' });
    const drift = plan.changes.filter((c) => c.action !== 'exists');
    expect(drift.map((c) => `${c.kind} ${c.id} ${c.action}`)).toEqual([
      'iam-policy staging-processor-signer update',
    ]);
    expect(drift[0]!.detail!.diff).toMatch(/^- +"kms:Decrypt",?$/m);

    const applied = await runIam({ inventory, clients, mode: 'apply' });
    expect(applied.ok).toBe(true);
    const { Versions } = await clients.iam.send(
      new ListPolicyVersionsCommand({ PolicyArn: policy.arn }),
    );
    const current = Versions!.find((v) => v.IsDefaultVersion)!;
    const { PolicyVersion } = await clients.iam.send(
      new GetPolicyVersionCommand({ PolicyArn: policy.arn, VersionId: current.VersionId }),
    );
    expect(samePolicy(PolicyVersion!.Document!, policy.document)).toBe(true);
    expect(current.VersionId).toBe('v3');
  });

  it('still applies a change when the policy already has 5 versions, dropping the oldest non-default', async () => {
    const { inventory, clients } = await applyAll(account(3));
    const policy = inventory.iam.policies.find((p) => p.name === 'staging-updater-signer')!;
    for (let i = 0; i < 4; i++) {
      const doc = structuredClone(policy.document);
      doc.Statement[0]!.Sid = `HandEdit${i}`;
      await clients.iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: policy.arn,
          PolicyDocument: JSON.stringify(doc),
          SetAsDefault: true,
        }),
      );
    }
    const before = await clients.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.arn }));
    expect(before.Versions).toHaveLength(5);

    const applied = await runIam({ inventory, clients, mode: 'apply' });
    expect(applied.ok).toBe(true);
    const after = await clients.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.arn }));
    const ids = after.Versions!.map((v) => v.VersionId).sort();
    expect(ids).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);
    expect(after.Versions!.find((v) => v.IsDefaultVersion)!.VersionId).toBe('v6');
  });
});

describe('a crash half-way', () => {
  it('is finished by the next apply, to the same state as a clean apply', async () => {
    const clean = await applyAll(account(4));
    const total = clean.recorder.writes.length;
    expect(total).toBeGreaterThan(10);

    const accountId = account(5);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    recorder.failAfter(Math.floor(total / 2));
    const accessWrites = clean.recorder.writes.length - 5; // the bucket takes five writes
    await expect(runIam({ inventory, clients, mode: 'apply' })).rejects.toThrow(InjectedCrash);
    if (Math.floor(total / 2) > accessWrites) {
      await expect(runBucket({ inventory, clients, mode: 'apply' })).rejects.toThrow(InjectedCrash);
    }
    recorder.failAfter(undefined);

    const access = await runIam({ inventory, clients, mode: 'apply' });
    const bucket = await runBucket({ inventory, clients, mode: 'apply' });
    expect(access.ok).toBe(true);
    expect(bucket.ok).toBe(true);
    const stripBucket = (s: unknown) =>
      JSON.parse(
        JSON.stringify(s).replaceAll(/nomadxyz-staging-(proofs|keymaster)-t\d+/g, 'BUCKET-$1'),
      );
    expect(stripBucket(await snapshot(clients.iam, clients.s3, inventory))).toEqual(
      stripBucket(await snapshot(clean.clients.iam, clean.clients.s3, clean.inventory)),
    );
  });

  it('adopts the bucket left untagged by a crash right after CreateBucket', async () => {
    const accountId = account(6);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    recorder.failAfter(1);
    await expect(runBucket({ inventory, clients, mode: 'apply' })).rejects.toThrow(InjectedCrash);
    recorder.failAfter(undefined);
    const plan = await runBucket({ inventory, clients, mode: 'plan' });
    expect(plan.changes.find((c) => c.kind === 's3-bucket')!.action).toBe('adopt');
    const applied = await runBucket({ inventory, clients, mode: 'apply' });
    expect(applied.ok).toBe(true);
  });
});
