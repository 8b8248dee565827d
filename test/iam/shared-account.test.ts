import {
  GetGroupCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  ListAttachedGroupPoliciesCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { runBucket } from '../../src/plan/bucket/bucket.js';
import { requireMotoUrl, testAccountId } from '../harness/emulators.js';
import { accountClients, stagingInventory } from './support.js';

/**
 * Staging and production in ONE AWS account (the shipped files, moved into one account, same
 * region): Nomad's layout has `nomad-signer-staging`, `nomad-signer-production` and `kms-admin`
 * side by side. Accounts of this file: test/harness/emulators.ts's testAccountId.
 */
const account = (n: number) => testAccountId(n);

let url: string;
beforeAll(() => {
  url = requireMotoUrl();
});

const notDone = (changes: ReadonlyArray<{ action: string; kind: string; id: string }>) =>
  changes.filter((c) => c.action !== 'exists').map((c) => `${c.action} ${c.kind} ${c.id}`);

async function applyBoth(accountId: string) {
  const staging = stagingInventory(accountId, 'staging');
  const production = stagingInventory(accountId, 'production');
  const { clients, recorder } = await accountClients(url, accountId);
  for (const inventory of [staging, production]) {
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    expect((await runBucket({ inventory, clients, mode: 'apply' })).ok).toBe(true);
  }
  return { staging, production, clients, recorder };
}

describe('two environments in one account', () => {
  it('settle: after applying both, neither plan has anything to do and a second apply writes nothing', async () => {
    const { staging, production, clients, recorder } = await applyBoth(account(1));

    for (const inventory of [staging, production]) {
      for (const bootstrap of [true, false]) {
        const plan = await runIam({ inventory, clients, mode: 'plan', bootstrap });
        expect(notDone(plan.changes), `${inventory.environment} bootstrap=${bootstrap}`).toEqual(
          [],
        );
      }
    }
    recorder.writes.length = 0;
    for (const inventory of [staging, production, staging]) {
      const access = await runIam({ inventory, clients, mode: 'apply' });
      expect(access.ok).toBe(true);
      expect((await runBucket({ inventory, clients, mode: 'apply' })).ok).toBe(true);
    }
    expect(recorder.writes).toEqual([]);
  });

  it("prune of either environment removes nothing of the other's, nor the account-wide resources", async () => {
    const { staging, production, clients, recorder } = await applyBoth(account(2));
    recorder.writes.length = 0;
    for (const inventory of [staging, production]) {
      const pruned = await runIam({ inventory, clients, mode: 'apply', prune: true });
      expect(notDone(pruned.changes), inventory.environment).toEqual([]);
    }
    expect(recorder.writes).toEqual([]);
  });

  it('an environment that stops using KMS and GitHub prunes its own roles, never kms-admin or the OIDC provider', async () => {
    const { production, clients } = await applyBoth(account(3));
    const isAdmin = (name: string) => name === 'kms-admin';
    const { github: _github, ...iamWithoutGithub } = production.iam;
    const shrunk: Inventory = {
      ...production,
      iam: {
        ...iamWithoutGithub,
        githubOmitted: 'test: no repository',
        users: production.iam.users.filter((u) => !isAdmin(u.name)),
        groups: production.iam.groups.filter((g) => !isAdmin(g.name)),
        memberships: production.iam.memberships.filter((m) => !isAdmin(m.group)),
        policies: production.iam.policies.filter((p) => !isAdmin(p.name) && !p.bootstrap),
        attachments: production.iam.attachments.filter(
          (a) => !isAdmin(a.policyName) && !a.bootstrap,
        ),
      },
    };
    const pruned = await runIam({ inventory: shrunk, clients, mode: 'apply', prune: true });
    expect(pruned.ok).toBe(true);
    const removed = pruned.changes.filter((c) => c.action === 'remove').map((c) => c.id);
    // Its own roles went (prune did run)…
    expect(removed).toEqual(expect.arrayContaining(['nomad-ops-production-apply']));
    await expect(
      clients.iam.send(new GetRoleCommand({ RoleName: 'nomad-ops-production-apply' })),
    ).rejects.toThrow(/cannot be found|not found/i);
    // …the account-wide resources, which staging still uses, did not.
    expect(
      removed.filter((id) => id.includes('kms-admin') || id.includes('token.actions')),
    ).toEqual([]);
    await clients.iam.send(new GetUserCommand({ UserName: 'kms-admin' }));
    const group = await clients.iam.send(new GetGroupCommand({ GroupName: 'kms-admin' }));
    expect(group.Users!.map((u) => u.UserName)).toEqual(['kms-admin']);
    const attached = await clients.iam.send(
      new ListAttachedGroupPoliciesCommand({ GroupName: 'kms-admin' }),
    );
    expect(attached.AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['kms-admin']);
    const adminPolicy = policyArnOf(production, 'kms-admin');
    await clients.iam.send(new GetPolicyCommand({ PolicyArn: adminPolicy }));
    await clients.iam.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: production.iam.github!.provider.arn,
      }),
    );
  });
});

const policyArnOf = (inventory: Inventory, name: string) =>
  inventory.iam.policies.find((p) => p.name === name)!.arn;
