import { describe, expect, it } from 'vitest';
import type { AccessState } from '../../src/aws/iam-state.js';
import { planAccess, signerUsers, versionToEvict } from '../../src/plan/access.js';
import { stagingInventory } from './support.js';
import { nextAccountId } from '../harness/emulators.js';

const inventory = stagingInventory(nextAccountId());

const emptyState = (): AccessState => ({
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

describe('planAccess on an empty account', () => {
  it('creates everything, principals and policies before the memberships and attachments that need them', () => {
    const planned = planAccess(inventory, emptyState());
    expect(planned.every((p) => p.change.action === 'create')).toBe(true);
    const ops = planned.flatMap((p) => p.steps.map((s) => s.op));
    const first = (op: string) => ops.indexOf(op as never);
    const last = (op: string) => ops.lastIndexOf(op as never);
    expect(last('createUser')).toBeLessThan(first('addUserToGroup'));
    expect(last('createGroup')).toBeLessThan(first('addUserToGroup'));
    expect(last('createPolicy')).toBeLessThan(first('attachPolicy'));
    expect(first('createOidcProvider')).toBeLessThan(first('createRole'));
    expect(last('createRole')).toBeLessThan(first('attachPolicy'));
    expect(ops.filter((o) => o === 'attachPolicy')).toHaveLength(inventory.iam.attachments.length);
    // No access keys unless asked.
    expect(ops).not.toContain('createStoredAccessKey');
  });

  it('without bootstrap rights, reports the bootstrap resources as broken with what to do and plans no write for them', () => {
    const planned = planAccess(inventory, emptyState(), { bootstrap: false });
    const broken = planned.filter((p) => p.change.action === 'broken');
    const bootstrapCount =
      1 +
      inventory.iam.github!.roles.length +
      inventory.iam.policies.filter((p) => p.bootstrap).length +
      inventory.iam.attachments.filter((a) => a.bootstrap).length +
      // Account-wide kms-admin outside production: the bootstrap or the production apply.
      [...inventory.iam.users, ...inventory.iam.groups, ...inventory.iam.memberships].filter(
        (r) => r.bootstrap,
      ).length;
    expect(broken).toHaveLength(bootstrapCount);
    for (const b of broken) {
      expect(b.steps).toEqual([]);
      expect(b.change.reason).toContain('administrator credentials');
    }
    expect(planned.some((p) => p.change.kind === 'iam-user' && p.change.action === 'create')).toBe(
      true,
    );
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
    const provider = planAccess(inventory, state).find(
      (p) => p.change.kind === 'iam-oidc-provider',
    )!;
    expect(provider.change.action).toBe('exists');
    expect(provider.steps).toEqual([]);
    state.oidcProvider.clientIds = ['other'];
    const lacking = planAccess(inventory, state).find(
      (p) => p.change.kind === 'iam-oidc-provider',
    )!;
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
    const row = planAccess(inventory, state, { createAccessKeys: true }).find(
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
    const stored = planAccess(inventory, state, { createAccessKeys: true }).find(
      (p) => p.change.kind === 'iam-access-key' && p.change.id === user,
    )!;
    expect(stored.change.action).toBe('exists');
    expect(stored.steps).toEqual([]);
  });

  it('plans access keys only for the signer users, and only on request', () => {
    expect(signerUsers(inventory)).toEqual(['nomad-signer-staging']);
    const planned = planAccess(inventory, emptyState(), { createAccessKeys: true });
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

describe('planAccess on stray attachments of a role', () => {
  const role = inventory.iam.github!.roles[0]!;
  const stray = `arn:aws:iam::${inventory.accountId}:policy/old-toolkit-policy`;
  const withStray = (): AccessState => {
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
  const detachOf = (options: Parameters<typeof planAccess>[2]) =>
    planAccess(inventory, withStray(), options).find(
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
