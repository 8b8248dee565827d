import { accessKeySecretName } from '../../aws/iam-access-keys.js';
import { principalKey } from '../../aws/iam-state.js';
import type { IamStep } from '../../aws/iam-steps.js';
import { baseTags } from '../../inventory/tags.js';
import { row } from './rows.js';
import type { IamPlanInventory, IamPlanner, IamRow } from './types.js';

/**
 * The default access-key users: members of a group that carries an agent signer policy
 * (`{env}-{role}-signer`). The KMS admin gets none.
 */
export function signerUsers(inventory: IamPlanInventory): string[] {
  const { iam } = inventory;
  const signerGroups = new Set(
    iam.attachments
      .filter((a) => a.target.kind === 'group' && a.policyName.endsWith('-signer'))
      .map((a) => a.target.name),
  );
  return [...new Set(iam.memberships.filter((m) => signerGroups.has(m.group)).map((m) => m.user))];
}

/** Access keys stored in Secrets Manager, only on request (`createAccessKeys`). */
export const planAccessKeys: IamPlanner = ({ inventory, state, options, usable }) => {
  if (!options.createAccessKeys) return [];
  const env = inventory.environment;
  return (options.accessKeyUsers ?? signerUsers(inventory)).map((user): IamRow => {
    const base = { kind: 'iam-access-key', id: user };
    const keys = state.accessKeys[user] ?? { keyIds: [], secretExists: false };
    const secretName = accessKeySecretName(env, user);
    if (keys.secretExists) {
      return row({
        ...base,
        action: 'exists',
        reason: `stored in Secrets Manager as ${secretName}`,
      });
    }
    if (usable.get(principalKey({ kind: 'user', name: user })) !== true) {
      return row({
        ...base,
        action: 'broken',
        reason: `user ${user} is not wanted or not managed by the toolkit`,
      });
    }
    // No key is stored, so every key the user has was never stored: an earlier
    // --create-access-keys died between CreateAccessKey and storing it. Nobody can read
    // those keys; they go, and one new key is created and stored (at most one per user).
    const unstored = keys.keyIds;
    return row(
      {
        ...base,
        action: unstored.length > 0 ? 'update' : 'create',
        reason:
          (unstored.length > 0
            ? `${unstored.length} access key(s) never stored (${unstored.join(', ')}; an earlier run stopped before storing them): deleted, then `
            : '') + `no key stored as ${secretName}; a new key goes there and is never printed`,
      },
      [
        ...unstored.map((accessKeyId): IamStep => ({ op: 'deleteAccessKey', user, accessKeyId })),
        {
          op: 'createStoredAccessKey',
          user,
          secretName,
          tags: { ...baseTags(env), 'nomad:iam-user': user },
        },
      ],
    );
  });
};
