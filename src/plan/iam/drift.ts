import type { PrincipalRef } from '../../aws/iam.js';
import { principalKey } from '../../aws/iam-state.js';
import { deleteInlinePolicyCommand, detachPolicyCommand } from '../../aws/iam-inline.js';
import { isManaged, policyNameOfArn, principalOfKey, row } from './rows.js';
import type { IamPlanner, IamRow } from './types.js';

/**
 * Privilege added by hand to the toolkit's principals (DESIGN §5): a policy attached that the
 * toolkit does not manage (AWS-managed or untagged), an inline policy (the toolkit writes none),
 * a member of its group that is not the toolkit's user. Each is a `drift` row that fails the
 * plan, with the command that removes it; prune removes it, through the bootstrap gate for roles
 * and account-wide principals. Only principals the toolkit manages for this run are looked at,
 * so nothing outside them is ever touched.
 */
export const planDrift: IamPlanner = (ctx) => {
  const { state } = ctx;
  const out: IamRow[] = [];
  const ours = (p: PrincipalRef) => ctx.usable.get(principalKey(p)) === true;
  const gated = (p: PrincipalRef) => p.kind === 'role' || ctx.accountWide.has(p.name);
  const leftoverUsers = new Set(state.leftovers.users.map((u) => u.user.name));
  const why = (what: string, command: string) =>
    `${what}, not by the toolkit: it widens what this principal may do. Remove it (nomad-ops iam apply --prune, or \`${command}\`), or if it is meant, make it part of the environment file`;

  for (const [group, actual] of Object.entries(state.groups)) {
    const principal: PrincipalRef = { kind: 'group', name: group };
    if (!actual || !ours(principal)) continue;
    for (const user of actual.members) {
      if (ctx.wantedMembers.has(`${group}/${user}`)) continue;
      // The toolkit's own users: wanted elsewhere, or leftovers removed with their user.
      if (ours({ kind: 'user', name: user }) || leftoverUsers.has(user)) continue;
      out.push(
        row(
          {
            kind: 'iam-group-membership',
            id: `${user} in ${group}`,
            action: 'drift',
            reason: why(
              `member added by hand`,
              `aws iam remove-user-from-group --group-name ${group} --user-name ${user}`,
            ),
          },
          [{ op: 'removeUserFromGroup', user, group }],
          gated(principal),
        ),
      );
    }
  }
  for (const [key, arns] of Object.entries(state.attached)) {
    if (ctx.usable.get(key) !== true) continue;
    const principal = principalOfKey(key);
    for (const arn of arns) {
      if (ctx.wantedAttachments.has(`${key}|${arn}`)) continue;
      const tags = state.attachedPolicyTags[arn];
      if (tags && isManaged(tags)) continue; // the toolkit's, not wanted here: a leftover row
      out.push(
        row(
          {
            kind: 'iam-policy-attachment',
            id: `${policyNameOfArn(arn)} → ${principal.kind} ${principal.name}`,
            action: 'drift',
            reason: why(`policy ${arn} attached by hand`, detachPolicyCommand(principal, arn)),
            detail: { arn },
          },
          [{ op: 'detachPolicy', principal, arn }],
          gated(principal),
        ),
      );
    }
  }
  for (const [key, names] of Object.entries(state.inline)) {
    if (ctx.usable.get(key) !== true) continue;
    const principal = principalOfKey(key);
    for (const policyName of names) {
      out.push(
        row(
          {
            kind: 'iam-inline-policy',
            id: `${policyName} on ${principal.kind} ${principal.name}`,
            action: 'drift',
            reason: why(
              'inline policy written by hand',
              deleteInlinePolicyCommand(principal, policyName),
            ),
          },
          [{ op: 'deleteInlinePolicy', principal, policyName }],
          gated(principal),
        ),
      );
    }
  }
  return out;
};
