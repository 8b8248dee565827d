import { describe, expect, it } from 'vitest';
import type { IamState } from '../../src/aws/iam-state.js';
import { planIam, signerUsers } from '../../src/plan/iam/iam.js';
import { versionToEvict } from '../../src/plan/iam/policies.js';
import { stagingInventory } from './support.js';
import { nextAccountId } from '../harness/emulators.js';

const inventory = stagingInventory(nextAccountId());

const emptyState = (): IamState => ({
  users: {},
  groups: {},
  policies: {},
  roles: {},
  oidcProvider: undefined,
  attached: {},
  attachedPolicyTags: {},
  inline: {},
  accessKeys: {},
  leftovers: { users: [], groups: [], policies: [], roles: [], oidcProviders: [] },
});

describe('planIam on an empty account', () => {
  it('creates everything, principals and policies before the memberships and attachments that need them', () => {
    const planned = planIam(inventory, emptyState());
    expect(planned.every((p) => p.change.action === 'create')).toBe(true);
    const ops = planned.flatMap((p) => p.steps.map((s) => s.op));
    // An operation absent from the plan fails here rather than comparing -1.
    const at = (op: string, index: number) => {
      if (index < 0) throw new Error(`the plan has no ${op} step`);
      return index;
    };
    const first = (op: string) => at(op, ops.indexOf(op as never));
    const last = (op: string) => at(op, ops.lastIndexOf(op as never));
    expect(last('createUser')).toBeLessThan(first('addUserToGroup'));
    // Users are created with their permissions boundary, which must exist first.
    const boundary = inventory.iam.policies.find((p) => p.name === 'staging-boundary')!;
    const steps = planned.flatMap((p) => p.steps);
    const boundaryAt = steps.findIndex(
      (st) => st.op === 'createPolicy' && st.name === boundary.name,
    );
    expect(boundaryAt).toBeGreaterThanOrEqual(0);
    expect(boundaryAt).toBeLessThan(first('createUser'));
    const bounded = inventory.iam.users.filter((u) => u.permissionsBoundary).map((u) => u.name);
    expect(bounded).toContain('nomad-signer-staging');
    for (const step of steps) {
      if (step.op === 'createUser' && bounded.includes(step.name)) {
        expect(step.permissionsBoundary).toBe(boundary.arn);
      }
    }
    expect(last('createGroup')).toBeLessThan(first('addUserToGroup'));
    expect(last('createPolicy')).toBeLessThan(first('attachPolicy'));
    expect(first('createOidcProvider')).toBeLessThan(first('createRole'));
    expect(last('createRole')).toBeLessThan(first('attachPolicy'));
    expect(ops.filter((o) => o === 'attachPolicy')).toHaveLength(inventory.iam.attachments.length);
    // No access keys unless asked.
    expect(ops).not.toContain('createStoredAccessKey');
  });

  it('without bootstrap rights, reports the bootstrap resources as broken with what to do and plans no write for them', () => {
    const planned = planIam(inventory, emptyState(), { bootstrap: false });
    const broken = planned.filter((p) => p.change.action === 'broken');
    const bootstrapCount =
      1 +
      inventory.iam.github!.roles.length +
      inventory.iam.policies.filter((p) => p.bootstrap).length +
      inventory.iam.attachments.filter((a) => a.bootstrap).length +
      // Account-wide kms-admin outside production: the bootstrap or the production apply.
      [...inventory.iam.users, ...inventory.iam.groups, ...inventory.iam.memberships].filter(
        (r) => r.bootstrap,
      ).length +
      // Users whose boundary (a bootstrap policy) does not exist yet: IAM would refuse them.
      inventory.iam.users.filter((u) => u.permissionsBoundary && !u.bootstrap).length;
    expect(broken).toHaveLength(bootstrapCount);
    for (const b of broken) {
      expect(b.steps).toEqual([]);
      expect(b.change.reason).toContain('administrator credentials');
    }
    // Once the administrator created the boundary, the apply role creates the users with it.
    const boundary = inventory.iam.policies.find((p) => p.name === 'staging-boundary')!;
    const withBoundary = emptyState();
    withBoundary.policies[boundary.arn] = {
      arn: boundary.arn,
      name: boundary.name,
      tags: boundary.tags,
      defaultVersionId: 'v1',
      document: JSON.stringify(boundary.document),
      versions: [{ versionId: 'v1', isDefault: true, created: undefined }],
    };
    const users = planIam(inventory, withBoundary, { bootstrap: false }).filter(
      (p) => p.change.kind === 'iam-user' && p.change.action === 'create',
    );
    expect(users.length).toBeGreaterThan(0);
    for (const u of users) {
      expect(u.steps).toEqual([expect.objectContaining({ permissionsBoundary: boundary.arn })]);
    }
  });

  it('uses a GitHub OIDC provider somebody else created when it has our audience, without changing it', () => {
    const state = emptyState();
    state.oidcProvider = {
      arn: inventory.iam.github!.provider.arn,
      url: 'token.actions.githubusercontent.com',
      clientIds: ['sts.amazonaws.com'],
      thumbprints: ['ffffffffffffffffffffffffffffffffffffffff'],
      tags: {},
    };
    const provider = planIam(inventory, state).find((p) => p.change.kind === 'iam-oidc-provider')!;
    expect(provider.change.action).toBe('exists');
    expect(provider.steps).toEqual([]);
    state.oidcProvider.clientIds = ['other'];
    const lacking = planIam(inventory, state).find((p) => p.change.kind === 'iam-oidc-provider')!;
    expect(lacking.change.action).toBe('broken');
    expect(lacking.steps).toEqual([]);
  });

  it('converges access keys an interrupted --create-access-keys left unstored: deletes them, stores one', () => {
    const state = emptyState();
    for (const u of inventory.iam.users) {
      state.users[u.name] = {
        name: u.name,
        arn: `arn:aws:iam::1:user/${u.name}`,
        path: '/',
        tags: u.tags,
      };
    }
    const user = signerUsers(inventory)[0]!;
    // Two crashes between CreateAccessKey and storing it: two keys, none stored (IAM's limit).
    state.accessKeys[user] = { keyIds: ['AKIAONE', 'AKIATWO'], secretExists: false };
    const row = planIam(inventory, state, { createAccessKeys: true }).find(
      (p) => p.change.kind === 'iam-access-key' && p.change.id === user,
    )!;
    expect(row.change.action).toBe('update');
    expect(row.change.reason).toContain('2 access key(s) never stored (AKIAONE, AKIATWO');
    expect(row.steps.map((s) => s.op)).toEqual([
      'deleteAccessKey',
      'deleteAccessKey',
      'createStoredAccessKey',
    ]);
    // Once one is stored, nothing more is done.
    state.accessKeys[user] = { keyIds: ['AKIATHREE'], secretExists: true };
    const stored = planIam(inventory, state, { createAccessKeys: true }).find(
      (p) => p.change.kind === 'iam-access-key' && p.change.id === user,
    )!;
    expect(stored.change.action).toBe('exists');
    expect(stored.steps).toEqual([]);
  });

  it('plans access keys only for the signer users, and only on request', () => {
    expect(signerUsers(inventory)).toEqual(['nomad-signer-staging']);
    const planned = planIam(inventory, emptyState(), { createAccessKeys: true });
    const keys = planned.filter((p) => p.change.kind === 'iam-access-key');
    expect(keys.map((k) => k.steps[0])).toEqual([
      expect.objectContaining({
        op: 'createStoredAccessKey',
        user: 'nomad-signer-staging',
        secretName: 'nomad/staging/iam/nomad-signer-staging/access-key',
      }),
    ]);
  });
});

describe('planIam on stray attachments of a role', () => {
  const role = inventory.iam.github!.roles[0]!;
  const stray = `arn:aws:iam::${inventory.accountId}:policy/old-toolkit-policy`;
  const withStray = (): IamState => {
    const state = emptyState();
    state.roles[role.name] = {
      name: role.name,
      arn: role.arn,
      path: '/',
      tags: role.tags,
      description: role.description,
      maxSessionDuration: role.maxSessionDurationSeconds,
      trustPolicy: JSON.stringify(role.trustPolicy),
    };
    state.attached[`role:${role.name}`] = [stray];
    state.attachedPolicyTags[stray] = { 'managed-by': 'nomad-agent-ops' };
    return state;
  };
  const detachOf = (options: Parameters<typeof planIam>[2]) =>
    planIam(inventory, withStray(), options).find(
      (p) => p.change.kind === 'iam-policy-attachment' && p.change.detail?.arn === stray,
    )!;

  it('go through the bootstrap gate: without bootstrap rights a prune reports them broken and plans no write', () => {
    const gated = detachOf({ prune: true, bootstrap: false });
    expect(gated.change.action).toBe('broken');
    expect(gated.change.reason).toContain('administrator credentials');
    expect(gated.steps).toEqual([]);

    const admin = detachOf({ prune: true, bootstrap: true });
    expect(admin.change.action).toBe('remove');
    expect(admin.steps).toEqual([
      { op: 'detachPolicy', principal: { kind: 'role', name: role.name }, arn: stray },
    ]);
    // Without prune nothing is removed anyway: listed, not broken.
    expect(detachOf({ bootstrap: false }).change.action).toBe('remove');
  });
});

describe("planIam on resources of a wanted name that are not the toolkit's", () => {
  const adopt = 'Key=managed-by,Value=nomad-agent-ops';
  const user = inventory.iam.users.find((u) => u.name === 'nomad-signer-staging')!;
  const policy = inventory.iam.policies.find((p) =>
    inventory.iam.attachments.some((a) => a.policyArn === p.arn),
  )!;
  const role = inventory.iam.github!.roles[0]!;
  const unmarked = (): IamState => {
    const state = emptyState();
    state.users[user.name] = { name: user.name, arn: 'arn:user', path: '/', tags: {} };
    state.policies[policy.arn] = {
      arn: policy.arn,
      name: policy.name,
      tags: { owner: 'alice' },
      defaultVersionId: 'v1',
      document: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      versions: [{ versionId: 'v1', isDefault: true, created: undefined }],
    };
    state.roles[role.name] = {
      name: role.name,
      arn: role.arn,
      path: '/',
      tags: {},
      description: role.description,
      maxSessionDuration: role.maxSessionDurationSeconds,
      trustPolicy: JSON.stringify(role.trustPolicy),
    };
    state.groups['staging-signer'] = {
      name: 'staging-signer',
      arn: 'arn:group',
      path: '/',
      members: [],
    };
    return state;
  };
  const rowOf = (planned: ReturnType<typeof planIam>, kind: string, id: string) =>
    planned.find((p) => p.change.kind === kind && p.change.id === id)!;

  it('are broken with the command that adopts each, and nothing built on them is written', () => {
    const planned = planIam(inventory, unmarked());
    const expected: Array<[string, string, string]> = [
      ['iam-user', user.name, `aws iam tag-user --user-name ${user.name} --tags ${adopt}`],
      ['iam-policy', policy.name, `aws iam tag-policy --policy-arn ${policy.arn} --tags ${adopt}`],
      ['iam-role', role.name, `aws iam tag-role --role-name ${role.name} --tags ${adopt}`],
      [
        'iam-group',
        'staging-signer',
        'aws iam update-group --group-name staging-signer --new-path /nomad-agent-ops/',
      ],
    ];
    for (const [kind, id, command] of expected) {
      const row = rowOf(planned, kind, id);
      expect(row.change.action, `${kind} ${id}`).toBe('broken');
      expect(row.change.reason).toContain(`To adopt it: ${command}`);
      expect(row.steps).toEqual([]);
    }
    // The unmarked policy shows how it differs from the wanted one.
    expect(rowOf(planned, 'iam-policy', policy.name).change.detail?.diff).toBeTruthy();
    const membership = rowOf(planned, 'iam-group-membership', `${user.name} in staging-signer`);
    expect(membership.change.action).toBe('broken');
    const attachments = planned.filter(
      (p) => p.change.kind === 'iam-policy-attachment' && p.change.id.startsWith(`${policy.name} `),
    );
    expect(attachments.length).toBeGreaterThan(0);
    for (const a of attachments) {
      expect(a.change.action).toBe('broken');
      expect(a.steps).toEqual([]);
    }
  });

  it("are another environment's when tagged for it: broken without an adoption command", () => {
    const state = unmarked();
    state.users[user.name]!.tags = { ...user.tags, 'nomad:environment': 'production' };
    const row = rowOf(planIam(inventory, state), 'iam-user', user.name);
    expect(row.change.action).toBe('broken');
    expect(row.change.reason).toContain('belongs to production');
    expect(row.change.reason).not.toContain('To adopt it');
  });
});

describe('versionToEvict', () => {
  const v = (id: string, isDefault: boolean, day: number) => ({
    versionId: id,
    isDefault,
    created: new Date(Date.UTC(2024, 0, day)),
  });
  it('is nothing below five versions', () => {
    expect(versionToEvict({ versions: [v('v1', true, 1), v('v2', false, 2)] })).toBeUndefined();
  });
  it('is the oldest version that is not the default', () => {
    const versions = [
      v('v7', false, 7),
      v('v3', true, 3),
      v('v4', false, 4),
      v('v5', false, 5),
      v('v6', false, 6),
    ];
    expect(versionToEvict({ versions })).toBe('v4');
  });
});
