/**
 * Permissions boundaries through the real IAM plan and apply, on moto (issue 24 item 8): every
 * principal of the environment is created with `{env}-boundary`; a boundary removed or replaced
 * by hand is a change the next apply undoes; the apply role (no bootstrap rights) creates no
 * user before the administrator created the boundary. What the boundary caps is proven by
 * simulation in test/inventory/permission-matrix.unit.test.ts.
 */
import {
  DeleteUserPermissionsBoundaryCommand,
  GetRoleCommand,
  GetUserCommand,
  type IAMClient,
  PutRolePermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { inventoryFor } from '../../src/inventory/inventory.js';
import type { Inventory } from '../../src/inventory/types.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { bucketSuffix, requireMotoUrl, testAccountId } from '../harness/emulators.js';
import { accountClients } from './support.js';

const url = requireMotoUrl();

/** staging.yaml as shipped (a role operator, a user operator), in `accountId`. */
function stagingWithOperators(accountId: string): Inventory {
  const loaded = loadEnvironmentFile(
    resolve(import.meta.dirname, '../../environments/staging.yaml'),
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return inventoryFor({
    ...loaded.env,
    aws: { ...loaded.env.aws, accountId },
    proofsBucket: {
      ...loaded.env.proofsBucket,
      name: `nomadxyz-staging-proofs-${bucketSuffix(accountId)}`,
    },
  });
}

const userBoundary = async (iam: IAMClient, name: string) =>
  (await iam.send(new GetUserCommand({ UserName: name }))).User?.PermissionsBoundary
    ?.PermissionsBoundaryArn;
const roleBoundary = async (iam: IAMClient, name: string) =>
  (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.PermissionsBoundary
    ?.PermissionsBoundaryArn;

describe('permissions boundaries (moto)', () => {
  it('bounds every principal of the environment, and restores a boundary removed or replaced by hand', async () => {
    const accountId = testAccountId(1);
    const inventory = stagingWithOperators(accountId);
    const { clients } = await accountClients(url, accountId);
    const boundary = inventory.iam.policies.find((p) => p.name === 'staging-boundary')!.arn;
    const bounded = {
      users: inventory.iam.users.filter((u) => u.permissionsBoundary).map((u) => u.name),
      roles: [...(inventory.iam.github?.roles ?? []), ...(inventory.iam.operatorRoles ?? [])]
        .filter((r) => r.permissionsBoundary)
        .map((r) => r.name),
    };
    expect(bounded.users.sort()).toEqual([
      'nomad-operator-staging-blockwatch',
      'nomad-signer-staging',
    ]);
    expect(bounded.roles.sort()).toEqual([
      'nomad-ops-staging-keymaster',
      'nomad-ops-staging-operator-acme',
    ]);

    // The administrator's first run.
    const first = await runIam({ inventory, clients, mode: 'apply' });
    expect(first.ok).toBe(true);
    for (const u of bounded.users)
      expect([u, await userBoundary(clients.iam, u)]).toEqual([u, boundary]);
    for (const r of bounded.roles)
      expect([r, await roleBoundary(clients.iam, r)]).toEqual([r, boundary]);
    expect(await userBoundary(clients.iam, 'kms-admin')).toBeUndefined();

    // By hand: the signer user loses its boundary, the operator's role gets a wider one.
    await clients.iam.send(
      new DeleteUserPermissionsBoundaryCommand({ UserName: 'nomad-signer-staging' }),
    );
    const wider = inventory.iam.policies.find((p) => p.name === 'staging-updater-signer')!.arn;
    await clients.iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: 'nomad-ops-staging-operator-acme',
        PermissionsBoundary: wider,
      }),
    );

    // The apply role's run puts the user's back; the role is the administrator's (bootstrap).
    const workflow = await runIam({ inventory, clients, mode: 'apply', bootstrap: false });
    const user = workflow.changes.find(
      (c) => c.kind === 'iam-user' && c.id === 'nomad-signer-staging',
    )!;
    expect(user.action).toBe('update');
    expect(user.reason).toContain('permissions boundary (none) → staging-boundary');
    const role = workflow.changes.find(
      (c) => c.kind === 'iam-role' && c.id === 'nomad-ops-staging-operator-acme',
    )!;
    expect(role.action).toBe('broken');
    expect(role.reason).toContain(
      'permissions boundary staging-updater-signer → staging-boundary (another boundary: replaced)',
    );
    expect(role.reason).toContain('administrator credentials');
    expect(await userBoundary(clients.iam, 'nomad-signer-staging')).toBe(boundary);
    expect(await roleBoundary(clients.iam, 'nomad-ops-staging-operator-acme')).toBe(wider);

    const admin = await runIam({ inventory, clients, mode: 'apply' });
    expect(admin.ok).toBe(true);
    expect(await roleBoundary(clients.iam, 'nomad-ops-staging-operator-acme')).toBe(boundary);
    const again = await runIam({ inventory, clients, mode: 'plan' });
    expect(again.changes.filter((c) => c.action !== 'exists')).toEqual([]);
  }, 180_000);

  it('the apply role creates no user before the administrator created its boundary', async () => {
    const accountId = testAccountId(2);
    const inventory = stagingWithOperators(accountId);
    const { clients, recorder } = await accountClients(url, accountId);
    const result = await runIam({ inventory, clients, mode: 'apply', bootstrap: false });
    const user = result.changes.find(
      (c) => c.kind === 'iam-user' && c.id === 'nomad-signer-staging',
    )!;
    expect(user.action).toBe('broken');
    expect(user.reason).toContain('its permissions boundary staging-boundary does not exist yet');
    expect(recorder.writes).not.toContain('CreateUserCommand');
    expect(result.ok).toBe(false);
  }, 180_000);
});
