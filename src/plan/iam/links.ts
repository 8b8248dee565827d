import type { PrincipalRef } from '../../aws/iam.js';
import { principalKey } from '../../aws/iam-state.js';
import { row } from './rows.js';
import type { IamPlanner, IamRow } from './types.js';

/** Group memberships: added only when both the user and the group are the toolkit's. */
export const planMemberships: IamPlanner = ({ inventory, state, usable }) =>
  inventory.iam.memberships.map((m): IamRow => {
    const base = { kind: 'iam-group-membership', id: `${m.user} in ${m.group}` };
    const blocked = [
      principalKey({ kind: 'user', name: m.user }),
      principalKey({ kind: 'group', name: m.group }),
    ].filter((k) => usable.get(k) !== true);
    if (state.groups[m.group]?.members.includes(m.user)) {
      return row({ ...base, action: 'exists', reason: 'member as wanted' });
    }
    if (blocked.length > 0) {
      return row({
        ...base,
        action: 'broken',
        reason: `cannot add: ${blocked.join(', ')} is not managed by the toolkit (see above)`,
      });
    }
    return row(
      { ...base, action: 'create', reason: 'not a member' },
      [{ op: 'addUserToGroup', user: m.user, group: m.group }],
      m.bootstrap,
    );
  });

/** Policy attachments: made only when both the principal and the policy are the toolkit's. */
export const planAttachments: IamPlanner = ({ inventory, state, usable, policyUsable }) =>
  inventory.iam.attachments.map((a): IamRow => {
    const principal: PrincipalRef = a.target;
    const key = principalKey(principal);
    const base = {
      kind: 'iam-policy-attachment',
      id: `${a.policyName} → ${a.target.kind} ${a.target.name}`,
    };
    if ((state.attached[key] ?? []).includes(a.policyArn)) {
      return row({
        ...base,
        action: 'exists',
        reason: 'attached as wanted',
        detail: { arn: a.policyArn },
      });
    }
    const problems: string[] = [];
    if (usable.get(key) !== true) problems.push(`${key} is not managed by the toolkit`);
    if (policyUsable.get(a.policyArn) === false)
      problems.push(`policy ${a.policyName} is not managed by the toolkit`);
    if (problems.length > 0) {
      return row({
        ...base,
        action: 'broken',
        reason: `cannot attach: ${problems.join('; ')} (see above)`,
        detail: { arn: a.policyArn },
      });
    }
    return row(
      { ...base, action: 'create', reason: 'not attached', detail: { arn: a.policyArn } },
      [{ op: 'attachPolicy', principal, arn: a.policyArn }],
      a.bootstrap,
    );
  });
