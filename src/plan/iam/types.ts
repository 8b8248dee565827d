import type { Tags } from '../../aws/iam.js';
import type { IamState } from '../../aws/iam-state.js';
import type { IamStep } from '../../aws/iam-steps.js';
import type { IamInventory, Inventory } from '../../inventory/types.js';
import type { Change } from '../change.js';

/** The types the access planners share (DESIGN §5). */

export type IamPlanInventory = Pick<Inventory, 'environment' | 'accountId'> & { iam: IamInventory };

export interface IamPlanOptions {
  /** Remove resources marked as ours for this environment that it no longer wants. */
  prune?: boolean;
  /** Create an access key for each of `accessKeyUsers` that has none stored yet. */
  createAccessKeys?: boolean;
  /** Users that get a stored access key with `createAccessKeys`. Default: every signer user. */
  accessKeyUsers?: string[];
  /**
   * Whether this run may write the resources marked `bootstrap` (OIDC provider, workflow roles
   * and their policies). Default true (an administrator's run); the workflows' apply role
   * cannot and passes false, which reports pending bootstrap changes as `broken`.
   */
  bootstrap?: boolean;
}

export interface IamDetail {
  arn?: string;
  /** Readable line diff of the policy document (actual → wanted), for updates. */
  diff?: string;
  /** The wanted document, rendered canonically, for creates. */
  document?: string;
  tags?: Tags;
  /** What the update changes, one line each. */
  changes?: string[];
  bootstrap?: boolean;
}

/** A Change with the IAM writes that carry it out (empty for exists/broken). */
export interface PlannedChange {
  change: Change<IamDetail>;
  steps: IamStep[];
}

/**
 * A planner's row: `bootstrap` marks a resource only an administrator's run writes. planIam
 * turns such a row into `broken` when this run may not write bootstrap resources.
 */
export interface IamRow extends PlannedChange {
  bootstrap?: boolean | undefined;
}

/** What every planner reads: the inventory, IAM as read, and facts derived from both once. */
export interface IamPlanContext {
  inventory: IamPlanInventory;
  state: IamState;
  options: IamPlanOptions;
  /**
   * By principal key (`user:name`): whether a wanted principal exists as ours or is about to be
   * created, i.e. may be changed. False for one that exists unmarked or for another environment.
   */
  usable: ReadonlyMap<string, boolean>;
  /** By policy ARN, the same for the wanted managed policies. */
  policyUsable: ReadonlyMap<string, boolean>;
  /** `group/user` of every wanted membership. */
  wantedMembers: ReadonlySet<string>;
  /** `principalKey|policyArn` of every wanted attachment. */
  wantedAttachments: ReadonlySet<string>;
  /** Ids of the rows of account-wide resources (tagged `shared`). */
  accountWide: ReadonlySet<string>;
}

/** One planner of the table in access.ts: pure, from the context to its rows. */
export type IamPlanner = (ctx: IamPlanContext) => IamRow[];
