import { errorMessage } from '../../errors.js';
import type { KeyChange, KeyDetail, KeyRow, KeyStatus } from './types.js';
import type { ReconcileResult } from '../reconcile.js';

/**
 * The key table's rows, from the one result shape of `reconcile`: a plan's row per change says
 * what apply would do; an apply's row says what its steps did (their outcome), else why not.
 */

/** What a key apply's steps return: the row of the key as the step left it. */
export type KeyOutcome = KeyRow | undefined;

/** The result of a key plan or apply (KMS or Secrets Manager). */
export type KeysResult = ReconcileResult<KeyChange, KeyOutcome>;

export function rowOf(detail: KeyDetail, status: KeyStatus, reason = detail.warning ?? ''): KeyRow {
  return {
    alias: detail.alias,
    region: detail.region,
    keyId: detail.keyId ?? '',
    arn: detail.arn ?? '',
    description: detail.description,
    address: detail.address ?? '',
    status,
    reason,
    purpose: detail.purpose,
    ...(detail.network !== undefined ? { network: detail.network } : {}),
    ...(detail.keyName !== undefined ? { keyName: detail.keyName } : {}),
    store: detail.store,
    ...(detail.leftover ? { leftover: detail.leftover } : {}),
    ...(detail.orphaned ? { orphaned: detail.orphaned } : {}),
    ...rotationOf(detail),
  };
}

/** A rotation row shows the staged (or new) key; `rotation` has both addresses. */
function rotationOf(detail: KeyDetail): Partial<Pick<KeyRow, 'rotation' | 'keyId' | 'address'>> {
  const r = detail.rotation;
  if (!r) return {};
  const from = r.current?.address;
  const to = r.next?.address;
  return {
    keyId: r.next?.keyId ?? '',
    address: to ?? '',
    rotation: {
      state: r.state,
      reason: r.reason,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    },
  };
}

/** The plan status of a rotation: `stage`, `switch`, `staged`, `switched` or `broken`. */
function rotationStatus(change: KeyChange): KeyStatus {
  const r = change.detail.rotation!;
  if (change.action === 'broken') return 'broken';
  if (change.action === 'exists') return r.state;
  return r.state === 'staged' ? 'stage' : 'switch';
}

/** The status of a leftover key's row: a conflict fails the plan, the others are listed. */
const leftoverStatus = (detail: KeyDetail): KeyStatus =>
  detail.orphaned ? 'orphaned' : detail.conflict ? 'conflict' : 'leftover';

/** The row of a planned change: what the key is and what apply would do. */
export function planRow(change: KeyChange): KeyRow {
  const { detail, action } = change;
  if (detail.rotation) return rowOf(detail, rotationStatus(change), change.reason);
  if (detail.leftover) return rowOf(detail, leftoverStatus(detail), change.reason);
  switch (action) {
    case 'broken':
    case 'adopt':
      return rowOf(detail, action, change.reason);
    case 'create':
    case 'update':
    case 'exists':
      return rowOf(detail, action);
    default:
      // Keys plan no other action; a key row shows what is there.
      return rowOf(detail, 'exists');
  }
}

/** The table rows of a plan: what each key is and what apply would do. */
export function rowsFromChanges(changes: readonly KeyChange[]): KeyRow[] {
  return changes.map(planRow);
}

/**
 * The rows of a result. Apply: per inventory key in plan order, what its steps left (or why they
 * failed), then the leftovers as the last re-read found them.
 */
export function keyRows(result: KeysResult): KeyRow[] {
  if (result.mode === 'plan') return rowsFromChanges(result.changes);
  const outcomes = new Map(result.applied.map((a) => [a.change.id, a.outcome]));
  const failures = new Map(result.failed.map((f) => [f.change.id, f.error]));
  const rowAfterApply = (change: KeyChange): KeyRow => {
    const outcome = outcomes.get(change.id);
    if (outcome) return outcome;
    const { detail } = change;
    if (failures.has(change.id)) {
      return rowOf(detail, 'failed', errorMessage(failures.get(change.id)));
    }
    if (detail.leftover) return rowOf(detail, leftoverStatus(detail), change.reason);
    if (detail.rotation) {
      const status = change.action === 'broken' ? 'broken' : detail.rotation.state;
      return rowOf(detail, status, change.reason);
    }
    if (change.action === 'broken') return rowOf(detail, 'broken', change.reason);
    return rowOf(detail, 'exists', '');
  };
  return [
    ...result.changes.filter((c) => !c.detail.leftover).map(rowAfterApply),
    ...result.after.filter((c) => c.detail.leftover).map(rowAfterApply),
  ];
}
