import { randomUUID } from 'node:crypto';
import type { KmsKeyStore } from '../../aws/kms-types.js';
import type { SecretKeyStore } from '../../aws/secrets.js';
import type { KeySpec } from '../../inventory/types.js';
import { planKmsKeys, readKms } from './kms.js';
import { describeKmsStep, kmsStepsOf, runKmsStep, type KmsStep } from './kms-apply.js';
import type { KmsReadOptions, KmsState } from './kms-read.js';
import type { RotationSpec } from '../../inventory/rotations.js';
import { describeRotationStep, type RotationRead } from './rotation.js';
import type { RotationStep } from './rotation-types.js';
import {
  planRotations,
  readRotations,
  rotationStepsOf,
  runRotationStep,
} from './rotation-apply.js';
import type { KeyOutcome } from './rows.js';
import {
  describeSecretStep,
  planSecretKeys,
  readSecrets,
  runSecretStep,
  secretStepsOf,
  type SecretStep,
  type SecretsState,
} from './secrets.js';
import type { KeyChange } from './types.js';
import {
  prepare,
  reconcile,
  type ApplyResult,
  type Planned,
  type Prepared,
  type ReconcileOptions,
  type Reconciler,
} from '../reconcile.js';

/**
 * Keys on the one loop (`reconcile`). KMS runs two passes: the first creates and adopts (and
 * retires the extras of aliases that already hold their key); the second, planned from the
 * first's re-read, retires the extras of aliases the first pass created or adopted, once those
 * exist. Leftover removal is part of keys apply (never a prune: a retired key can be restored
 * for 30 days).
 */

type KeysReconciler<State, Step> = Reconciler<State, KeyChange, Step, KeyOutcome>;

/** Options of a key apply's passes (`reconcile`'s, keys always retiring their leftovers). */
export interface KeyPassesOptions extends Omit<ReconcileOptions, 'mode' | 'prune'> {
  /**
   * The apply of an approved plan: the second pass retires only the leftovers the plan listed
   * (extras of an alias it creates, retired once the alias exists). A key that became extra
   * during this apply (a racing run's alias, a retried CreateKey) was not approved: it is reported
   * as a leftover and does not fail the apply; the next plan shows it and its approved apply
   * retires it. Without this, the second pass retires every extra the re-read finds.
   */
  onlyPlannedLeftovers?: boolean;
}

/** Why a leftover found after the writes is left for the next approved apply. */
const NOT_APPROVED =
  "found after this apply's writes and not in the approved plan: left alone; the next plan lists it and its approved apply retires it";

const isRetirement = (c: KeyChange) => Boolean(c.detail.leftover) && c.action === 'remove';

/** A leftover is retired only once its alias exists (points at the toolkit's key). */
function leftoversWaiting(changes: readonly KeyChange[]): (change: KeyChange) => boolean {
  const settled = new Set(changes.filter((c) => c.action === 'exists').map((c) => c.id));
  // An orphan's alias left the file: nothing to wait for, --prune retires it in pass 1.
  return (change) =>
    Boolean(change.detail.leftover) && !change.detail.orphaned && !settled.has(change.detail.alias);
}

/** A leftover the approved plan did not list, as the second pass reports it: kept, not failing. */
function keptUnapproved(change: KeyChange): KeyChange {
  return {
    ...change,
    action: 'exists',
    reason: `${change.reason}; ${NOT_APPROVED}`,
    detail: { ...change.detail, leftover: 'keep' },
  };
}

/**
 * KMS keys: the reconciler of each pass, sharing one store, run id and read. Pass 1 gives a
 * leftover steps only once its alias exists; pass 2 retires leftovers only, planned at first from
 * pass 1's re-read (no read of its own until it has written).
 */
export function kmsPasses(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  options: KmsReadOptions & KmsRotationOptions & { runId?: string } = {},
) {
  const ctx = { store, runId: options.runId ?? randomUUID(), created: new Map() };
  const rotations = options.rotations ?? [];
  const rotating = new Set(rotations.map((r) => r.key.alias));
  const rotationCtx = { store, runId: ctx.runId, now: () => new Date().toISOString() };
  let last: KeysState | undefined;
  const read = async (): Promise<KeysState> => {
    const state = await readKms(keys, store, options);
    return (last = { ...state, rotations: await readRotations(rotations, store, state) });
  };
  /** The keys' changes, then one per declared rotation (`rotation.ts`). */
  const planAll = (state: KeysState): KeyChange[] => [
    ...planKmsKeys(
      keys,
      state,
      rotating,
      new Set(
        [...state.rotations.values()].flatMap((r) => (r.displaced ?? []).map((f) => f.keyId)),
      ),
    ),
    ...planRotations(rotations, state.rotations, state.region, options.gracePeriodDays ?? 30),
  ];
  const stepsOf = (change: KeyChange): Step[] =>
    change.detail.rotation
      ? rotationStepsOf(change).map((step) => ({ kind: 'rotation', step }))
      : kmsSteps(change);
  const runStep = (s: Step, change: KeyChange) =>
    s.kind === 'rotation'
      ? runRotationStep(s.step, change, rotationCtx)
      : runKmsStep(s.step, change, ctx);
  const describeStep = (s: Step, change: KeyChange) =>
    s.kind === 'rotation' ? describeRotationStep(s.step, change) : describeKmsStep(s.step, change);
  const first: KeysReconciler<KeysState, Step> = {
    read,
    plan: (state) => {
      const changes = planAll(state);
      const waiting = leftoversWaiting(changes);
      return changes.map((change) => ({
        change,
        steps: waiting(change) ? [] : stepsOf(change),
      }));
    },
    runStep,
    describeStep,
  };
  /** `approved`: the key ids of the leftovers the approved plan retires (all when undefined). */
  const second = (approved?: ReadonlySet<string>): KeysReconciler<KeysState, Step> => {
    let reused = false;
    return {
      read: async () => {
        if (last && !reused) {
          reused = true;
          return last;
        }
        return read();
      },
      plan: (state) => {
        const changes = planAll(state);
        const waiting = leftoversWaiting(changes);
        return changes.map((change): Planned<KeyChange, Step> => {
          if (!isRetirement(change)) return { change, steps: [] };
          if (approved && !approved.has(change.detail.keyId ?? '')) {
            return { change: keptUnapproved(change), steps: [] };
          }
          return { change, steps: waiting(change) ? [] : kmsSteps(change) };
        });
      },
      runStep,
      describeStep,
    };
  };
  return { first, second };
}

/** The file's rotations (`keys.rotate`) and the grace period of the keys they retire. */
export interface KmsRotationOptions {
  rotations?: readonly RotationSpec[];
  gracePeriodDays?: number;
}

type KeysState = KmsState & { rotations: Map<string, RotationRead> };
/** A key change's step: the KMS key's own, or a declared rotation's (`rotation-apply.ts`). */
type Step = { kind: 'kms'; step: KmsStep } | { kind: 'rotation'; step: RotationStep };

const kmsSteps = (change: KeyChange): Step[] =>
  kmsStepsOf(change).map((step) => ({ kind: 'kms', step }));

/**
 * Development secrets: the first read of an apply reads the keys (to know each address for
 * sure); the re-read after the writes reads the tags only.
 */
export function secretsReconciler(
  keys: readonly KeySpec[],
  store: SecretKeyStore,
  mode: 'plan' | 'apply',
): KeysReconciler<SecretsState, SecretStep> {
  let reads = 0;
  return {
    read: () => readSecrets(keys, store, mode === 'apply' && reads++ === 0),
    plan: (state) =>
      planSecretKeys(keys, state, store.region).map((change) => ({
        change,
        steps: secretStepsOf(change),
      })),
    runStep: (step, change) => runSecretStep(step, change, store),
    describeStep: describeSecretStep,
  };
}

/** One apply of two passes, as one result: the plan of the first, the re-read of the second. */
function joinPasses(
  first: ApplyResult<KeyChange, KeyOutcome>,
  second: ApplyResult<KeyChange, KeyOutcome>,
): ApplyResult<KeyChange, KeyOutcome> {
  return {
    mode: 'apply',
    changes: first.changes,
    after: second.after,
    applied: [...first.applied, ...second.applied],
    failed: [...first.failed, ...second.failed],
    ok: first.failed.length === 0 && second.ok,
  };
}

/** A KMS key plan read once, and its apply in two passes of `reconcile`. */
export async function prepareKmsKeys(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  options: KmsReadOptions & KmsRotationOptions & { runId?: string } & KeyPassesOptions,
): Promise<Prepared<KeyChange, KeyOutcome>> {
  const { onlyPlannedLeftovers, verifyTrust, runId, orphans, rotations, gracePeriodDays, ...loop } =
    options;
  const passes = kmsPasses(keys, store, {
    ...(verifyTrust ? { verifyTrust } : {}),
    ...(runId ? { runId } : {}),
    ...(orphans ? { orphans } : {}),
    ...(rotations ? { rotations } : {}),
    ...(gracePeriodDays ? { gracePeriodDays } : {}),
  });
  const prepared = await prepare(passes.first, { ...loop, prune: true });
  const approved = onlyPlannedLeftovers
    ? new Set(prepared.plan.changes.filter(isRetirement).map((c) => c.detail.keyId ?? ''))
    : undefined;
  return {
    plan: prepared.plan,
    apply: async () => {
      const first = await prepared.apply();
      const second = await reconcile(passes.second(approved), {
        ...loop,
        mode: 'apply',
        prune: true,
      });
      return joinPasses(first, second);
    },
  };
}
