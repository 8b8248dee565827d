import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetGroupCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListAttachedGroupPoliciesCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseTags } from '../../src/inventory/tags.js';
import type { Inventory } from '../../src/inventory/types.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';
import { type MotoServer, startMoto } from '../harness/moto.js';
import { accountClients, stagingInventory } from './support.js';

/** Accounts of this file (test/harness/emulators.ts: testAccountId). */
const account = (n: number) => testAccountId(n);

let url: string;
beforeAll(() => {
  url = requireMotoUrl();
});

const NOT_FOUND = /cannot be found|not found/i;

describe('prune of leftovers that hold each other', () => {
  it('removes roles that are gone from the inventory together with their policies', async () => {
    const accountId = account(1);
    const inventory = stagingInventory(accountId);
    const { clients } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);

    // The environment file loses its repository: the roles and their policies are leftovers,
    // each policy attached to a role that is itself removed.
    const { github, ...rest } = inventory.iam;
    const ofRoles = new Set(
      rest.attachments.filter((a) => a.target.kind === 'role').map((a) => a.policyName),
    );
    const withoutGithub: Inventory = {
      ...inventory,
      iam: {
        ...rest,
        githubOmitted: 'test: no repository',
        policies: rest.policies.filter((p) => !ofRoles.has(p.name)),
        attachments: rest.attachments.filter((a) => a.target.kind !== 'role'),
      },
    };
    const pruned = await runIam({
      inventory: withoutGithub,
      clients,
      mode: 'apply',
      prune: true,
    });
    expect(pruned.ok).toBe(true);
    for (const role of github!.roles) {
      await expect(clients.iam.send(new GetRoleCommand({ RoleName: role.name }))).rejects.toThrow(
        NOT_FOUND,
      );
    }
    for (const policy of inventory.iam.policies.filter((p) => ofRoles.has(p.name))) {
      await expect(
        clients.iam.send(new GetPolicyCommand({ PolicyArn: policy.arn })),
      ).rejects.toThrow(NOT_FOUND);
    }
    const again = await runIam({ inventory: withoutGithub, clients, mode: 'plan' });
    expect(again.changes.filter((c) => c.action !== 'exists')).toEqual([]);
  });
});
const asTags = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const GROUP_PATH = '/nomad-agent-ops/';
const anyPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
});

describe('groups under the shared path', () => {
  it("prune takes only groups holding nothing but this environment's users and policies", async () => {
    const accountId = account(2);
    const inventory = stagingInventory(accountId, 'staging');
    const { clients } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    const iam = clients.iam;
    const group = async (name: string, member?: string, policyArn?: string) => {
      await iam.send(new CreateGroupCommand({ GroupName: name, Path: GROUP_PATH }));
      if (member) await iam.send(new AddUserToGroupCommand({ GroupName: name, UserName: member }));
      if (policyArn) {
        await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: policyArn }));
      }
    };
    const policy = async (name: string, env: 'staging' | 'production') =>
      (
        await iam.send(
          new CreatePolicyCommand({
            PolicyName: name,
            PolicyDocument: anyPolicy,
            Tags: asTags(baseTags(env)),
          }),
        )
      ).Policy!.Arn!;
    // Another environment's group, as its own apply would leave it.
    await iam.send(
      new CreateUserCommand({
        UserName: 'nomad-signer-production',
        Tags: asTags(baseTags('production')),
      }),
    );
    await group(
      'production-signer',
      'nomad-signer-production',
      await policy('production-x', 'production'),
    );
    await group('empty-group');
    // Staging's own, no longer wanted: holds a staging policy only.
    await group('staging-old', undefined, await policy('staging-old-role-signer', 'staging'));

    const pruned = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    const removedGroups = pruned.changes
      .filter((c) => c.action === 'remove' && c.kind === 'iam-group')
      .map((c) => c.id);
    expect(removedGroups).toEqual(['staging-old']);
    for (const kept of ['production-signer', 'empty-group']) {
      await expect(iam.send(new GetGroupCommand({ GroupName: kept })), kept).resolves.toBeDefined();
    }
    await expect(iam.send(new GetGroupCommand({ GroupName: 'staging-old' }))).rejects.toThrow(
      /cannot be found|not found/i,
    );
  });
});

describe("prune of attachments on the toolkit's principals", () => {
  // AWS-managed policies exist in moto only when loaded at start (slow for every account), so
  // this test runs on a moto of its own.
  let ownMoto: MotoServer | undefined;
  beforeAll(async () => {
    const before = process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
    process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
    try {
      ownMoto = await startMoto();
    } finally {
      if (before === undefined) delete process.env.MOTO_IAM_LOAD_MANAGED_POLICIES;
      else process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = before;
    }
  });
  afterAll(async () => {
    await ownMoto?.stop();
  });

  it("detaches what nobody may add to a toolkit group: policies attached by hand (drift) and the toolkit's own strays", async () => {
    const accountId = account(3);
    const inventory = stagingInventory(accountId);
    const { clients, recorder } = await accountClients(ownMoto!.url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    const iam = clients.iam;
    const createPolicy = async (name: string, tags: Record<string, string>) =>
      (
        await iam.send(
          new CreatePolicyCommand({
            PolicyName: name,
            PolicyDocument: anyPolicy,
            Tags: asTags(tags),
          }),
        )
      ).Policy!.Arn!;
    const awsManaged = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    const teams = await createPolicy('team-reader', { owner: 'data-team' });
    // The toolkit's, for production: not staging's leftover, but the toolkit's to detach.
    const toolkits = await createPolicy('production-old', baseTags('production'));
    for (const arn of [awsManaged, teams, toolkits]) {
      await iam.send(new AttachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: arn }));
    }

    const pruned = await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    const about = (arn: string) =>
      pruned.changes.find(
        (c) => c.kind === 'iam-policy-attachment' && (c.detail as { arn?: string })?.arn === arn,
      )!;
    expect(about(toolkits).action).toBe('remove');
    for (const arn of [awsManaged, teams]) {
      expect(about(arn).action, arn).toBe('drift');
      expect(about(arn).reason).toContain(
        'aws iam detach-group-policy --group-name staging-signer',
      );
    }
    const attached = await iam.send(
      new ListAttachedGroupPoliciesCommand({ GroupName: 'staging-signer' }),
    );
    const arns = attached.AttachedPolicies!.map((p) => p.PolicyArn);
    for (const arn of [awsManaged, teams, toolkits]) expect(arns).not.toContain(arn);
    // Detached from the toolkit's group only: the team's policy itself is not the toolkit's.
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: teams }))).Policy?.Arn).toBe(teams);

    recorder.writes.length = 0;
    await runIam({ inventory, clients, mode: 'apply', prune: true });
    expect(recorder.writes).toEqual([]);
  });
});
