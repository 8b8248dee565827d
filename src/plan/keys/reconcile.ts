import { randomUUID } from 'node:crypto';
import type { KmsKeyStore } from '../../aws/kms-types.js';
import type { SecretKeyStore } from '../../aws/secrets.js';
import { errorMessage } from '../../errors.js';
import type { KeySpec } from '../../inventory/types.js';
import type { Change } from '../change.js';
import { planKmsKeys, readKms } from './kms.js';
import {
  describeKmsStep,
  kmsStepsOf,
  runKmsStep,
  type KmsApplyContext,
  type KmsStep,
} from './kms-apply.js';
import type { KmsReadOptions, KmsState } from './kms-read.js';
import {
  describeSecretStep,
  planSecretKeys,
  readSecrets,
  runSecretStep,
  secretStepsOf,
  type SecretOutcome,
  type SecretStep,
  type SecretsState,
} from './secrets.js';
import type { KeyDetail, KeyStatus } from './types.js';
import {
  applyPlanned,
  blocks,
  type FailedChange,
  type Planned,
  type ReconcileOptions,
  type Reconciler,
} from '../reconcile.js';

type KeyChange = Change<KeyDetail>;

/** What happened to one change in an apply: the row of the result. */
export interface KeyOutcome {
  detail: KeyDetail;
  status: KeyStatus;
  reason?: string;
}

/** A key reconciler and what its steps record. */
export interface KeysReconciler<State, Step> extends Reconciler<State, KeyChange, Step> {
  /** Per change id: the outcome of its last step. */
  outcomes: Map<string, KeyOutcome>;
  stepsOf(change: KeyChange): Step[];
}

/**
 * KMS keys as a reconciler. Leftovers of an alias this apply creates or adopts are retired only
 * once the alias exists: their steps wait for the second pass (`applyKeyPasses`), which plans
 * from the re-read.
 */
export function kmsReconciler(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  options: KmsReadOptions & { runId?: string } = {},
): KeysReconciler<KmsState, KmsStep> {
  const ctx: KmsApplyContext = {
    store,
    runId: options.runId ?? randomUUID(),
    created: new Map(),
    outcomes: new Map(),
  };
  return {
    outcomes: ctx.outcomes,
    stepsOf: kmsStepsOf,
    read: () => readKms(keys, store, options),
    plan: (state) => {
      const changes = planKmsKeys(keys, state);
      const settled = new Set(changes.filter((c) => c.action === 'exists').map((c) => c.id));
      return changes.map((change) => ({
        change,
        steps:
          change.detail?.leftover && !settled.has(change.detail.alias) ? [] : kmsStepsOf(change),
      }));
    },
    runStep: (step, change) => runKmsStep(step, change, ctx),
    describeStep: describeKmsStep,
  };
}

/**
 * Development secrets as a reconciler. The first read of an apply reads the keys (to know each
 * address for sure); the re-read after the writes reads the tags only.
 */
export function secretsReconciler(
  keys: readonly KeySpec[],
  store: SecretKeyStore,
  mode: 'plan' | 'apply',
): KeysReconciler<SecretsState, SecretStep> {
  const outcomes = new Map<string, SecretOutcome>();
  let reads = 0;
  return {
    outcomes,
    stepsOf: secretStepsOf,
    read: () => readSecrets(keys, store, mode === 'apply' && reads++ === 0),
    plan: (state) =>
      planSecretKeys(keys, state, store.region).map((change) => ({
        change,
        steps: secretStepsOf(change),
      })),
    runStep: async (step, change) => {
      outcomes.set(change.id, await runSecretStep(step, change, store));
    },
    describeStep: describeSecretStep,
  };
}

export interface KeyPassesResult {
  /** The plan as first read. */
  changes: KeyChange[];
  /** What is there after the writes (the last re-read). */
  after: KeyChange[];
  failed: FailedChange<KeyChange>[];
  ok: boolean;
}

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

/**
 * Apply of a plan already read: its steps, a re-read, and when the re-read finds keys to
 * retire (extras of an alias created or raced meanwhile), a second pass over those only.
 * Leftover removal is part of keys apply (never a prune: a retired key can be restored for 30
 * days).
 */
export async function applyKeyPasses<State, Step>(
  reconciler: KeysReconciler<State, Step>,
  planned: Planned<KeyChange, Step>[],
  options: KeyPassesOptions,
): Promise<KeyPassesResult> {
  const { onlyPlannedLeftovers, ...passOptions } = options;
  const first = await applyPlanned(reconciler, planned, { ...passOptions, prune: true });
  const found = first.after!.filter((c) => c.detail?.leftover && c.action === 'remove');
  const approved = new Set(
    planned
      .filter((p) => p.change.detail?.leftover && p.change.action === 'remove')
      .map((p) => p.change.detail!.keyId),
  );
  const isApproved = (c: KeyChange) => !onlyPlannedLeftovers || approved.has(c.detail!.keyId);
  const retire = found.filter(isApproved);
  const unapproved = new Set(found.filter((c) => !isApproved(c)).map((c) => c.detail!.keyId));
  // Reported as they are, with why they were left; they do not make the apply fail.
  const report = (changes: KeyChange[]) =>
    changes.map((c) =>
      c.detail?.leftover && unapproved.has(c.detail.keyId)
        ? {
            ...c,
            action: 'exists' as const,
            reason: `${c.reason}; ${NOT_APPROVED}`,
            detail: { ...c.detail, leftover: 'keep' as const },
          }
        : c,
    );
  const settled = (changes: KeyChange[]) => !report(changes).some((c) => blocks(c, true, true));
  if (retire.length === 0) {
    const ok = first.failed!.length === 0 && settled(first.after!);
    return { changes: first.changes, after: report(first.after!), failed: first.failed!, ok };
  }
  const second = await applyPlanned(
    reconciler,
    retire.map((change) => ({ change, steps: reconciler.stepsOf(change) })),
    { ...passOptions, prune: true },
  );
  const failed = [...first.failed!, ...second.failed!];
  // The second pass planned only the leftovers; the first re-read holds the inventory.
  const after = report([
    ...first.after!.filter((c) => !c.detail?.leftover),
    ...second.after!.filter((c) => c.detail?.leftover),
  ]);
  return {
    changes: first.changes,
    after,
    failed,
    ok: failed.length === 0 && settled(second.after!),
  };
}

/** The outcome of each change of an apply, in plan order, then the leftovers as they are now. */
export function outcomesOf(
  result: KeyPassesResult,
  outcomes: Map<string, KeyOutcome>,
): KeyOutcome[] {
  const failures = new Map(result.failed.map((f) => [f.change.id, f]));
  const outcomeOf = (change: KeyChange): KeyOutcome => {
    const recorded = outcomes.get(change.id);
    if (recorded) return recorded;
    const failure = failures.get(change.id);
    if (failure)
      return { detail: change.detail!, status: 'failed', reason: errorMessage(failure.error) };
    if (change.detail?.leftover) {
      const status = change.detail.conflict ? 'conflict' : 'leftover';
      return { detail: change.detail, status, reason: change.reason };
    }
    if (change.action === 'broken') {
      return { detail: change.detail!, status: 'broken', reason: change.reason };
    }
    return { detail: change.detail!, status: 'exists' };
  };
  return [
    ...result.changes.filter((c) => !c.detail?.leftover).map(outcomeOf),
    ...result.after.filter((c) => c.detail?.leftover).map(outcomeOf),
  ];
}
