/**
 * One planned change to one resource. Keys, IAM, the bucket and the OIDC roles all plan into
 * this shape, so reports, comments and the apply guard treat every resource the same way.
 */
export type ChangeAction =
  /** Exists as wanted: nothing to do. */
  | 'exists'
  /** Missing: apply creates it. */
  | 'create'
  /** Found, left half-made by an earlier run (e.g. a KMS key without its alias): apply completes it. */
  | 'adopt'
  /** Exists but differs from what is wanted: apply brings it in line. */
  | 'update'
  /** Managed by us and no longer wanted: removed only with an explicit prune. */
  | 'remove'
  /** Exists in a state we refuse to use or touch: reported with what to do, never changed. */
  | 'broken'
  /**
   * Privilege added outside the toolkit to one of its principals (a policy attached or written
   * inline by hand, a member it did not add): fails the plan; removed only with an explicit prune.
   */
  | 'drift';

export interface Change<Detail = unknown> {
  /** Resource kind, e.g. 'kms-key', 'iam-policy', 's3-bucket-policy'. */
  kind: string;
  /** Stable identifier, e.g. the alias or the policy name. */
  id: string;
  action: ChangeAction;
  /** One line a reviewer reads: why this action. */
  reason: string;
  /**
   * Kind-specific data (addresses, documents, what differs): what renderers format and decisions
   * read. Must be JSON-serialisable (no bigint).
   */
  detail: Detail;
}

/**
 * A change as a planner writes it, for kinds whose details are all optional: `detail` may be left
 * out and is then `{}` (`row` in iam/rows.ts, `add` in bucket/bucket.ts fill it in).
 */
export type ChangeDraft<Detail> = Omit<Change<Detail>, 'detail'> & { detail?: Detail };

/** Actions that write something when applied. */
export const WRITING_ACTIONS: ReadonlySet<ChangeAction> = new Set([
  'create',
  'adopt',
  'update',
  'remove',
  'drift',
]);

/** Actions carried out only with an explicit prune. */
export const PRUNE_ACTIONS: ReadonlySet<ChangeAction> = new Set(['remove', 'drift']);

export function countByAction(
  changes: readonly Pick<Change, 'action'>[],
): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = {
    exists: 0,
    create: 0,
    adopt: 0,
    update: 0,
    remove: 0,
    broken: 0,
    drift: 0,
  };
  for (const c of changes) counts[c.action]++;
  return counts;
}
