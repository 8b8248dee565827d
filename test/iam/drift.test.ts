/**
 * Privilege added by hand to the toolkit's principals (issue 13): each is a `drift` row that
 * fails the plan, with the command that removes it; prune removes it and touches nothing
 * outside the toolkit's principals. Against moto.
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetUserCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  GetGroupCommand,
  GetPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { runIam } from '../../src/plan/iam/iam.js';
import { renderIamMarkdown } from '../../src/report/iam.js';
import { accountClients, stagingInventory } from './support.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';

const url = requireMotoUrl();

/** Accounts of this file (test/harness/emulators.ts: testAccountId). */
const account = (n: number) => testAccountId(n);
const everything = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

describe('drift: privilege added by hand to a toolkit principal', () => {
  it('is a drift row with its removal command, fails the plan, and prune removes only that', async () => {
    const accountId = account(1);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    const iam = clients.iam;
    // An untagged customer policy standing for AdministratorAccess (moto loads AWS-managed ones
    // only on request; prune.test.ts covers those).
    const ADMIN = (
      await iam.send(
        new CreatePolicyCommand({ PolicyName: 'admin-by-hand', PolicyDocument: everything }),
      )
    ).Policy!.Arn!;

    // What the issue found invisible: all of it by hand, none of it through the toolkit.
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: ADMIN }));
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'staging-signer',
        PolicyName: 'everything',
        PolicyDocument: everything,
      }),
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'nomad-signer-staging',
        PolicyName: 'also-everything',
        PolicyDocument: everything,
      }),
    );
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'nomad-signer-staging', PolicyArn: ADMIN }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ADMIN }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'staging-signer', UserName: 'alice' }));

    const plan = await runIam({ inventory, clients, mode: 'plan' });
    expect(plan.ok).toBe(false);
    const drift = plan.changes.filter((c) => c.action === 'drift');
    expect(drift.map((c) => [c.kind, c.id]).sort()).toEqual(
      [
        ['iam-group-membership', 'alice in staging-signer'],
        ['iam-inline-policy', 'also-everything on user nomad-signer-staging'],
        ['iam-inline-policy', 'everything on group staging-signer'],
        ['iam-policy-attachment', 'admin-by-hand → group staging-signer'],
        ['iam-policy-attachment', 'admin-by-hand → user nomad-signer-staging'],
      ].sort(),
    );
    const reasonOf = (id: string) => drift.find((c) => c.id === id)!.reason;
    expect(reasonOf('alice in staging-signer')).toContain(
      'aws iam remove-user-from-group --group-name staging-signer --user-name alice',
    );
    expect(reasonOf('everything on group staging-signer')).toContain(
      'aws iam delete-group-policy --group-name staging-signer --policy-name everything',
    );
    expect(reasonOf('admin-by-hand → group staging-signer')).toContain(
      `aws iam detach-group-policy --group-name staging-signer --policy-arn ${ADMIN}`,
    );
    // The review the plan comment and the job summary carry.
    const markdown = renderIamMarkdown(plan.changes, { title: 'IAM' });
    expect(markdown).toContain('drift (removed with --prune)');
    expect(markdown).toContain('alice in staging-signer');

    // apply without prune writes nothing for them and stays not ok.
    recorder.writes.length = 0;
    const applied = await runIam({ inventory, clients, mode: 'apply' });
    expect(applied.ok).toBe(false);
    expect(recorder.writes).toEqual([]);

    const pruned = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    expect(pruned.after!.filter((c) => c.action !== 'exists')).toEqual([]);
    const group = await iam.send(new GetGroupCommand({ GroupName: 'staging-signer' }));
    expect(group.Users!.map((u) => u.UserName)).toEqual(['nomad-signer-staging']);
    expect(
      (await iam.send(new ListGroupPoliciesCommand({ GroupName: 'staging-signer' }))).PolicyNames,
    ).toEqual([]);
    expect(
      (await iam.send(new ListUserPoliciesCommand({ UserName: 'nomad-signer-staging' })))
        .PolicyNames,
    ).toEqual([]);
    const groupAttached = await iam.send(
      new ListAttachedGroupPoliciesCommand({ GroupName: 'staging-signer' }),
    );
    expect(groupAttached.AttachedPolicies!.map((p) => p.PolicyArn)).not.toContain(ADMIN);

    // Outside the toolkit's principals nothing moved: alice and her own policy are hers.
    expect((await iam.send(new GetUserCommand({ UserName: 'alice' }))).User?.UserName).toBe(
      'alice',
    );
    const alices = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    expect(alices.AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([ADMIN]);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: ADMIN }))).Policy?.Arn).toBe(ADMIN);
  });

  it("reports drift on the account-wide kms-admin from staging, but leaves its removal to an administrator's run", async () => {
    const accountId = account(2);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    await clients.iam.send(
      new PutUserPolicyCommand({
        UserName: 'kms-admin',
        PolicyName: 'sign-too',
        PolicyDocument: everything,
      }),
    );
    recorder.writes.length = 0;
    const workflow = await runIam({
      inventory,
      clients,
      mode: 'apply',
      prune: true,
      bootstrap: false,
    });
    const row = workflow.changes.find((c) => c.id === 'sign-too on user kms-admin')!;
    expect(row.action).toBe('broken');
    expect(row.reason).toContain('administrator credentials');
    expect(workflow.ok).toBe(false);
    expect(recorder.writes).toEqual([]);

    const admin = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(admin.ok).toBe(true);
    expect(recorder.writes).toEqual(['DeleteUserPolicyCommand']);
  });
});
