import type { IamStep } from '../../aws/iam-steps.js';
import { principalKey } from '../../aws/iam-state.js';
import type { PrincipalRef } from '../../aws/iam.js';
import { MANAGED_GROUP_PATH } from '../../inventory/names.js';
import type { ChangeDraft } from '../change.js';
import { isManaged, policyNameOfArn, row } from './rows.js';
import type { IamDetail, IamPlanner, IamRow } from './types.js';

/**
 * What the toolkit made for this environment and no longer wants (`remove`, carried out only
 * with prune): its strays on wanted principals, then leftover users, groups and roles, each
 * undoing its own links, then leftover policies and OIDC providers. Roles and providers are
 * bootstrap resources: only an administrator's run removes them.
 */
export const planLeftovers: IamPlanner = (ctx) => {
  const { state } = ctx;
  const out: IamRow[] = [];
  const add = (change: ChangeDraft<IamDetail>, steps: IamStep[] = [], bootstrap?: boolean) =>
    out.push(row(change, steps, bootstrap));
  const why =
    'marked as managed by the toolkit for this environment, no longer wanted; removed only with prune';
  const leftoverUsers = new Set(state.leftovers.users.map((u) => u.user.name));

  // Stray memberships and attachments on the wanted principals that are ours.
  for (const [group, actual] of Object.entries(state.groups)) {
    if (!actual || ctx.usable.get(principalKey({ kind: 'group', name: group })) !== true) continue;
    for (const user of actual.members) {
      const ours =
        ctx.usable.get(principalKey({ kind: 'user', name: user })) === true ||
        leftoverUsers.has(user);
      if (ctx.wantedMembers.has(`${group}/${user}`) || !ours || leftoverUsers.has(user)) continue;
      add(
        { kind: 'iam-group-membership', id: `${user} in ${group}`, action: 'remove', reason: why },
        [{ op: 'removeUserFromGroup', user, group }],
      );
    }
  }
  for (const [key, arns] of Object.entries(state.attached)) {
    if (ctx.usable.get(key) !== true) continue;
    const [kind, name] = key.split(':') as [PrincipalRef['kind'], string];
    for (const arn of arns) {
      if (ctx.wantedAttachments.has(`${key}|${arn}`)) continue;
      if (state.leftovers.policies.some((p) => p.policy.arn === arn)) continue; // removed with its policy
      const base = {
        kind: 'iam-policy-attachment',
        id: `${policyNameOfArn(arn)} → ${kind} ${name}`,
      };
      const tags = state.attachedPolicyTags[arn];
      if (!tags || !isManaged(tags)) continue; // privilege added by hand: a drift row (planDrift)
      // Every role of the toolkit is a bootstrap resource: only an administrator changes it.
      add(
        {
          ...base,
          action: 'remove',
          reason: `policy managed by the toolkit, not wanted on this ${kind}; removed only with prune`,
          detail: { arn },
        },
        [{ op: 'detachPolicy', principal: { kind, name }, arn }],
        kind === 'role',
      );
    }
  }

  // Principals go first, each undoing its own links; a policy goes last and detaches only from
  // principals that stay (a detach from a principal already deleted would fail).
  const leftoverGroups = new Set(state.leftovers.groups.map((g) => g.group.name));
  const leftoverPrincipals = new Set([
    ...[...leftoverUsers].map((name) => principalKey({ kind: 'user', name })),
    ...[...leftoverGroups].map((name) => principalKey({ kind: 'group', name })),
    ...state.leftovers.roles.map((r) => principalKey({ kind: 'role', name: r.role.name })),
  ]);
  for (const { user, groups, attached, accessKeys } of state.leftovers.users) {
    add(
      { kind: 'iam-user', id: user.name, action: 'remove', reason: why, detail: { arn: user.arn } },
      [
        ...groups.map((group): IamStep => ({ op: 'removeUserFromGroup', user: user.name, group })),
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'user', name: user.name },
          arn,
        })),
        ...accessKeys.map((accessKeyId): IamStep => ({
          op: 'deleteAccessKey',
          user: user.name,
          accessKeyId,
        })),
        { op: 'deleteUser', name: user.name },
      ],
    );
  }
  for (const { group, attached } of state.leftovers.groups) {
    add(
      {
        kind: 'iam-group',
        id: group.name,
        action: 'remove',
        reason: `under ${MANAGED_GROUP_PATH}, holding only this environment's users and policies, no longer wanted; removed only with prune`,
        detail: { arn: group.arn },
      },
      [
        ...group.members
          .filter((user) => !leftoverUsers.has(user))
          .map((user): IamStep => ({ op: 'removeUserFromGroup', user, group: group.name })),
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'group', name: group.name },
          arn,
        })),
        { op: 'deleteGroup', name: group.name },
      ],
    );
  }
  for (const { role, attached } of state.leftovers.roles) {
    add(
      { kind: 'iam-role', id: role.name, action: 'remove', reason: why, detail: { arn: role.arn } },
      [
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'role', name: role.name },
          arn,
        })),
        { op: 'deleteRole', name: role.name },
      ],
      true,
    );
  }
  for (const { policy, entities } of state.leftovers.policies) {
    add(
      {
        kind: 'iam-policy',
        id: policy.name,
        action: 'remove',
        reason: why,
        detail: { arn: policy.arn },
      },
      [
        ...entities
          .filter((principal) => !leftoverPrincipals.has(principalKey(principal)))
          .map((principal): IamStep => ({ op: 'detachPolicy', principal, arn: policy.arn })),
        ...policy.versions
          .filter((v) => !v.isDefault)
          .map((v): IamStep => ({
            op: 'deletePolicyVersion',
            arn: policy.arn,
            versionId: v.versionId,
          })),
        { op: 'deletePolicy', arn: policy.arn },
      ],
    );
  }
  for (const provider of state.leftovers.oidcProviders) {
    add(
      {
        kind: 'iam-oidc-provider',
        id: provider.url,
        action: 'remove',
        reason: why,
        detail: { arn: provider.arn },
      },
      [{ op: 'deleteOidcProvider', arn: provider.arn }],
      true,
    );
  }
  return out;
};
