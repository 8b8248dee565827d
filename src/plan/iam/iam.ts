import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PrincipalRef, Tags } from '../../aws/iam.js';
import { accessKeySecretName } from '../../aws/iam-access-keys.js';
import { type IamState, readIamState } from '../../aws/iam-state.js';
import { type IamStep, runIamStep } from '../../aws/iam-steps.js';
import { MANAGED_GROUP_PATH } from '../../inventory/names.js';
import { baseTags } from '../../inventory/tags.js';
import { iamPlanContext, gate } from './context.js';
import { planDrift } from './drift.js';
import { planLeftovers } from './leftovers.js';
import { planAttachments, planMemberships } from './links.js';
import { planOidcProvider, planRoles } from './oidc.js';
import { planPolicies } from './policies.js';
import { planGroups, planUsers } from './principals.js';
import { planAccessKeys, signerUsers } from './stored-keys.js';
import type {
  IamDetail,
  IamPlanInventory,
  IamPlanOptions,
  IamPlanner,
  PlannedChange,
} from './types.js';
import { validateIamInventory } from './validate.js';
import type { Change } from '../change.js';
import { type KeyAccessChange, planKeyAccess } from '../keys/key-access.js';
import {
  prepare,
  type ApplyResult,
  type PlanResult,
  type Prepared,
  type ReconcileResult,
} from '../reconcile.js';

/**
 * The access plan (DESIGN §5): IAM users, groups, memberships, managed policies, attachments,
 * the GitHub OIDC provider and roles, and optionally stored access keys of the signer users.
 *
 * plan  = read IAM, compare with the inventory, one Change per resource (pure: `planIam`).
 * apply = carry out the writing changes in order, then plan again to confirm. Every run plans
 * from what IAM holds now, so a run that died half-way is finished by the next one.
 *
 * Ownership: users, policies, roles and the OIDC provider carry `managed-by=nomad-agent-ops`.
 * IAM groups cannot carry tags; the toolkit creates its groups under the path
 * `MANAGED_GROUP_PATH` and treats only groups there as its own. As every environment of an
 * account shares that path, an unwanted group there is this environment's leftover only when
 * all its members and attached policies are tagged for this environment. Nothing else is ever
 * changed or deleted: an unmarked resource with a wanted name is `broken`, with the command that
 * adopts it.
 */

export { MANAGED_GROUP_PATH, signerUsers };
export type { IamDetail, IamPlanInventory, IamPlanOptions, PlannedChange };

/**
 * The planners, in the order apply carries out their rows: what a row needs comes first
 * (policies, then principals bounded by one of them, before the memberships and attachments
 * that use them; a leftover's
 * links before the leftover). Each is pure, from the shared context to its rows.
 */
export const ACCESS_PLANNERS: readonly IamPlanner[] = [
  planOidcProvider,
  // Policies first: users and roles are created with the permissions boundary (a policy).
  planPolicies,
  planUsers,
  planGroups,
  planRoles,
  planMemberships,
  planAttachments,
  planAccessKeys,
  planLeftovers,
  planDrift,
];

/** Pure: one Change per resource with the writes that carry it out. */
export function planIam(
  inventory: IamPlanInventory,
  state: IamState,
  options: IamPlanOptions = {},
): PlannedChange[] {
  const ctx = iamPlanContext(inventory, state, options);
  return ACCESS_PLANNERS.flatMap((planner) => planner(ctx)).map((row) => gate(row, ctx));
}

// ---------------------------------------------------------------------------------------------
// run

export interface AccessClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
}

export interface RunIamInput extends IamPlanOptions {
  inventory: IamPlanInventory;
  clients: AccessClients;
  mode: 'plan' | 'apply';
  /** Called before each write with a one-line description (no documents, no secrets). */
  onStep?: (description: string) => void;
}

type AccessChange = Change<IamDetail>;

/** Who can sign with which key, now and as wanted, by party (files that list operators). */
interface WithKeyAccess {
  keyAccess?: KeyAccessChange[];
}

/** `reconcile()`'s result for IAM, with who can sign with which key. */
export type IamResult = ReconcileResult<AccessChange> & WithKeyAccess;
export type AccessPlanResult = PlanResult<AccessChange> & WithKeyAccess;
export type AccessApplyResult = ApplyResult<AccessChange> & WithKeyAccess;

function queryFor(inventory: IamPlanInventory, options: IamPlanOptions) {
  const { iam } = inventory;
  const principals: PrincipalRef[] = [
    ...iam.users.map((u) => ({ kind: 'user' as const, name: u.name })),
    ...iam.groups.map((g) => ({ kind: 'group' as const, name: g.name })),
    ...(iam.github?.roles ?? []).map((r) => ({ kind: 'role' as const, name: r.name })),
    ...(iam.operatorRoles ?? []).map((r) => ({ kind: 'role' as const, name: r.name })),
  ];
  const scope = baseTags(inventory.environment);
  return {
    users: iam.users.map((u) => u.name),
    groups: iam.groups.map((g) => g.name),
    policyArns: iam.policies.map((p) => p.arn),
    roles: [...(iam.github?.roles ?? []), ...(iam.operatorRoles ?? [])].map((r) => r.name),
    oidcProviderArn: iam.github?.provider.arn,
    principals,
    accessKeys: options.createAccessKeys
      ? (options.accessKeyUsers ?? signerUsers(inventory)).map((user) => ({
          user,
          secretName: accessKeySecretName(inventory.environment, user),
        }))
      : [],
    isOurs: (tags: Tags) => Object.entries(scope).every(([k, v]) => tags[k] === v),
    managedGroupPath: MANAGED_GROUP_PATH,
  };
}

/** An access plan read once, and the apply of exactly its changes (`prepare` in reconcile.ts). */
export interface PreparedAccess {
  plan: AccessPlanResult;
  apply(): Promise<AccessApplyResult>;
}

/**
 * Reads IAM once and plans; `apply` carries out those changes through the one reconcile loop and
 * re-reads to confirm. The clients must act in `inventory.accountId`: `awsForEnvironment` checks
 * that once, before any job gets them. IAM changes build on one another in plan order, so the
 * first failing write stops the apply and is thrown; the next run plans from what was written.
 */
export async function prepareIam(input: Omit<RunIamInput, 'mode'>): Promise<PreparedAccess> {
  const { inventory, clients } = input;
  validateIamInventory(inventory);
  let first: IamState | undefined;
  const prepared: Prepared<AccessChange> = await prepare<IamState, AccessChange, IamStep, void>(
    {
      read: async () => {
        const state = await readIamState(clients, queryFor(inventory, input));
        first ??= state;
        return state;
      },
      plan: (state) => planIam(inventory, state, input),
      runStep: (step) => runIamStep(clients, step),
      describeStep: (step, change) => `${change.kind} ${change.id}: ${step.op}`,
    },
    {
      prune: input.prune ?? false,
      stopOnFailure: true,
      ...(input.onStep ? { onStep: input.onStep } : {}),
    },
  );
  const keyAccess = first && planKeyAccess(inventory.iam, inventory.accountId, first);
  const withKeyAccess = keyAccess ? { keyAccess } : {};
  return {
    plan: { ...prepared.plan, ...withKeyAccess },
    apply: async () => ({ ...(await prepared.apply()), ...withKeyAccess }),
  };
}

/** Plans, and in apply mode carries out the plan and plans again (`prepareIam`). */
export async function runIam(input: RunIamInput & { mode: 'plan' }): Promise<AccessPlanResult>;
export async function runIam(input: RunIamInput & { mode: 'apply' }): Promise<AccessApplyResult>;
export async function runIam(input: RunIamInput): Promise<IamResult>;
export async function runIam(input: RunIamInput): Promise<IamResult> {
  const prepared = await prepareIam(input);
  return input.mode === 'plan' ? prepared.plan : prepared.apply();
}
