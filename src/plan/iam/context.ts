import type { Tags } from '../../aws/iam.js';
import { type IamState, principalKey } from '../../aws/iam-state.js';
import { MANAGED_GROUP_PATH } from '../../inventory/names.js';
import { SHARED_ENVIRONMENT, TAG_KEYS } from '../../inventory/tags.js';
import type { IamInventory } from '../../inventory/types.js';
import { applies } from '../reconcile.js';
import { refusal, tagCommand } from './rows.js';
import type {
  IamPlanInventory,
  IamPlanOptions,
  IamPlanContext,
  IamRow,
  PlannedChange,
} from './types.js';

/**
 * The facts every access planner needs, derived once from the inventory and what IAM holds, so
 * that each planner is a pure function of the context and none depends on another's side effects.
 */
export function iamPlanContext(
  inventory: IamPlanInventory,
  state: IamState,
  options: IamPlanOptions,
): IamPlanContext {
  const { iam } = inventory;
  const usable = new Map<string, boolean>();
  for (const u of iam.users) {
    const actual = state.users[u.name];
    const ours = !actual || !refusal(u.tags, actual.tags, tagCommand('user', u.name));
    usable.set(principalKey({ kind: 'user', name: u.name }), ours);
  }
  for (const g of iam.groups) {
    const actual = state.groups[g.name];
    usable.set(
      principalKey({ kind: 'group', name: g.name }),
      !actual || actual.path === MANAGED_GROUP_PATH,
    );
  }
  for (const r of [...(iam.github?.roles ?? []), ...(iam.operatorRoles ?? [])]) {
    const actual = state.roles[r.name];
    const ours = !actual || !refusal(r.tags, actual.tags, tagCommand('role', r.name));
    usable.set(principalKey({ kind: 'role', name: r.name }), ours);
  }
  const policyUsable = new Map<string, boolean>();
  for (const p of iam.policies) {
    const actual = state.policies[p.arn];
    policyUsable.set(p.arn, !actual || !refusal(p.tags, actual.tags, tagCommand('policy', p.arn)));
  }
  return {
    inventory,
    state,
    options,
    usable,
    policyUsable,
    wantedMembers: new Set(iam.memberships.map((m) => `${m.group}/${m.user}`)),
    wantedAttachments: new Set(
      iam.attachments.map((a) => `${principalKey(a.target)}|${a.policyArn}`),
    ),
    accountWide: accountWideIds(iam),
  };
}

/**
 * Bootstrap resources this run may not write become `broken` with what to do. A removal only
 * counts when this run prunes; without prune it is listed and never carried out.
 */
export function gate(row: IamRow, ctx: IamPlanContext): PlannedChange {
  const { change, steps } = row;
  const prune = ctx.options.prune ?? false;
  if (!row.bootstrap || (ctx.options.bootstrap ?? true) || !applies(change, prune)) {
    return { change, steps };
  }
  const accountWide = ctx.accountWide.has(change.id)
    ? '; an account-wide resource, which the production apply also writes'
    : '';
  return {
    change: {
      ...change,
      action: 'broken',
      reason: `${change.reason} — a bootstrap resource: apply it with administrator credentials (nomad-ops iam apply, which writes bootstrap resources unless given --no-bootstrap)${accountWide}`,
      detail: { ...change.detail, bootstrap: true },
    },
    steps: [],
  };
}

/** Ids of the rows of account-wide resources (tagged `shared`): kms-admin and its group. */
function accountWideIds(iam: IamInventory): Set<string> {
  const shared = (tags: Tags) => tags[TAG_KEYS.environment] === SHARED_ENVIRONMENT;
  const users = iam.users.filter((u) => shared(u.tags)).map((u) => u.name);
  const groups = iam.memberships.filter((m) => users.includes(m.user)).map((m) => m.group);
  return new Set([
    ...users,
    ...groups,
    ...iam.memberships.filter((m) => users.includes(m.user)).map((m) => `${m.user} in ${m.group}`),
    ...iam.policies.filter((p) => shared(p.tags)).map((p) => p.name),
    ...iam.attachments
      .filter((a) => groups.includes(a.target.name) && a.target.kind === 'group')
      .map((a) => `${a.policyName} → group ${a.target.name}`),
  ]);
}
