import { GetPolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { runAccess } from '../../src/plan/access.js';
import { requireMotoUrl } from '../harness/emulators.js';
import { accountClients, stagingInventory } from './support.js';

/** Accounts of this file: 7200000000 9x. */
const account = (n: number) => `72000000009${n}`;

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
    expect((await runAccess({ inventory, clients, mode: 'apply' })).ok).toBe(true);

    // The environment file loses its repository: the roles and their policies are leftovers,
    // each policy attached to a role that is itself removed.
    const { github, ...rest } = inventory.iam;
    const withoutGithub: Inventory = {
      ...inventory,
      iam: {
        ...rest,
        githubOmitted: 'test: no repository',
        policies: rest.policies.filter((p) => !p.bootstrap),
        attachments: rest.attachments.filter((a) => !a.bootstrap),
      },
    };
    const pruned = await runAccess({
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
    for (const policy of inventory.iam.policies.filter((p) => p.bootstrap)) {
      await expect(
        clients.iam.send(new GetPolicyCommand({ PolicyArn: policy.arn })),
      ).rejects.toThrow(NOT_FOUND);
    }
    const again = await runAccess({ inventory: withoutGithub, clients, mode: 'plan' });
    expect(again.changes.filter((c) => c.action !== 'exists')).toEqual([]);
  });
});
