import { PRUNE_ACTIONS, WRITING_ACTIONS, type Change } from './change.js';
import { mapLimited } from '../pool.js';

/**
 * The one loop every resource kind runs: read → plan (pure) → apply steps → re-read → result.
 * Keys, the funding record, IAM and the bucket differ only in the adapter they pass in; planning
 * never writes, `ok` means the same for all of them, and this module is the only one that runs a
 * reconciler's steps (test/build/one-loop.unit.test.ts).
 */

/** One planned change and the writes that carry it out, in order. */
export interface Planned<C extends Change, Step> {
  change: C;
  steps: readonly Step[];
}

export interface Reconciler<State, C extends Change, Step, Outcome = void> {
  /** Reads everything the plan needs. No writes. */
  read(): Promise<State>;
  /** Pure: the changes and their steps, from what was read. */
  plan(state: State): Planned<C, Step>[];
  /**
   * Carries out one step (one or a few API calls) and says what it did: the outcome of a
   * change's last step is the change's outcome in `ApplyResult.applied`.
   */
  runStep(step: Step, change: C): Promise<Outcome>;
  /** Says what a step is, for progress output. */
  describeStep(step: Step, change: C): string;
}

export interface ReconcileOptions {
  mode: 'plan' | 'apply';
  /** Removes resources the toolkit no longer wants and privilege added by hand. */
  prune?: boolean;
  /** Changes applied at once (steps of one change stay in order). Default 1. */
  concurrency?: number;
  /** Called before each step, for progress output. */
  onStep?: (description: string) => void;
  /** Called once before the first step with the number of steps apply runs (progress totals). */
  onApplyStart?: (steps: number) => void;
  /** Called after each step, whether it succeeded or threw (progress counts). */
  onStepDone?: (description: string, error?: unknown) => void;
  /**
   * For resources whose changes build on one another in plan order (IAM: a policy before its
   * attachment, a detach before the delete): the first failing step stops the apply and its error
   * is thrown as is. No further change is started (with concurrency above 1, changes already
   * under way run their steps to the end); the next run plans from what was written.
   * Default false: a failing change is recorded in `failed` and the others go on.
   */
  stopOnFailure?: boolean;
}

/** A change whose steps failed: the others went on. */
export interface FailedChange<C extends Change> {
  change: C;
  error: unknown;
}

/** A change whose steps all ran, with what its last step said. */
export interface AppliedChange<C extends Change, Outcome> {
  change: C;
  outcome: Outcome;
}

/** What a plan says: the changes as read, nothing written. */
export interface PlanResult<C extends Change> {
  mode: 'plan';
  changes: C[];
  /** Nothing is broken or drifted. */
  ok: boolean;
}

/** What an apply did: the plan it carried out, each change's outcome, and the re-read. */
export interface ApplyResult<C extends Change, Outcome = void> {
  mode: 'apply';
  /** The plan, as read before any write. */
  changes: C[];
  /** The plan as read again after the writes (what is still to do). */
  after: C[];
  /** The changes whose steps all ran, in plan order. */
  applied: AppliedChange<C, Outcome>[];
  /** Changes whose steps threw (in plan order); the changes not depending on them were applied. */
  failed: FailedChange<C>[];
  /** Nothing failed and the re-read plan has nothing left to do (prune-only changes count only when pruning). */
  ok: boolean;
}

/** The one result shape of every resource kind. */
export type ReconcileResult<C extends Change, Outcome = void> =
  PlanResult<C> | ApplyResult<C, Outcome>;

/** Whether apply carries out this change's steps: the one place this is decided. */
export function applies(change: Change, prune: boolean): boolean {
  return WRITING_ACTIONS.has(change.action) && (!PRUNE_ACTIONS.has(change.action) || prune);
}

/** A change that makes the result not ok while it is in the plan. */
export function blocks(change: Change, prune: boolean, afterApply: boolean): boolean {
  if (change.action === 'broken' || change.action === 'drift') return true;
  return afterApply && applies(change, prune);
}

export function reconcile<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  options: ReconcileOptions & { mode: 'plan' },
): Promise<PlanResult<C>>;
export function reconcile<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  options: ReconcileOptions & { mode: 'apply' },
): Promise<ApplyResult<C, Outcome>>;
export function reconcile<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  options: ReconcileOptions,
): Promise<ReconcileResult<C, Outcome>>;
export async function reconcile<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  options: ReconcileOptions,
): Promise<ReconcileResult<C, Outcome>> {
  const prepared = await prepare(reconciler, options);
  return options.mode === 'plan' ? prepared.plan : prepared.apply();
}

/** A plan read once, and the apply of exactly its changes. */
export interface Prepared<C extends Change, Outcome = void> {
  /** The plan as read (what `reconcile` returns in plan mode). */
  plan: PlanResult<C>;
  /**
   * Carries out the steps of these changes, planned from that one read (no second read to plan:
   * what a caller checked is what is written), then re-reads to confirm.
   */
  apply(): Promise<ApplyResult<C, Outcome>>;
}

/**
 * The read and plan half of `reconcile`, for callers that check the plan before any write (the
 * apply of an approved plan compares every section with the artifact first).
 */
export async function prepare<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  options: Omit<ReconcileOptions, 'mode'>,
): Promise<Prepared<C, Outcome>> {
  const prune = options.prune ?? false;
  const planned = reconciler.plan(await reconciler.read());
  const changes = planned.map((p) => p.change);
  return {
    plan: { mode: 'plan', changes, ok: !changes.some((c) => blocks(c, prune, false)) },
    apply: () => applyPlanned(reconciler, planned, options),
  };
}

/** A change apply carries out: at least one step. */
type Todo<C extends Change, Step> = Planned<C, Step> & { steps: readonly [Step, ...Step[]] };

/**
 * The apply half: runs the steps of the changes that apply, then re-reads. When nothing applies,
 * nothing is written, so nothing is read again: `after` is the plan itself.
 */
async function applyPlanned<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  planned: Planned<C, Step>[],
  options: Omit<ReconcileOptions, 'mode'>,
): Promise<ApplyResult<C, Outcome>> {
  const prune = options.prune ?? false;
  const changes = planned.map((p) => p.change);
  const todo = planned.filter(
    (p): p is Todo<C, Step> => applies(p.change, prune) && p.steps.length > 0,
  );
  const result = (after: C[], applied: AppliedChange<C, Outcome>[], failed: FailedChange<C>[]) => ({
    mode: 'apply' as const,
    changes,
    after,
    applied,
    failed,
    ok: failed.length === 0 && !after.some((c) => blocks(c, prune, true)),
  });
  if (todo.length === 0) return result(changes, [], []);
  options.onApplyStart?.(todo.reduce((n, p) => n + p.steps.length, 0));
  // With stopOnFailure a failure rejects the pool, which then starts no further change.
  const done = await mapLimited(
    todo,
    Math.max(1, options.concurrency ?? 1),
    async ({ change, steps }): Promise<Done<C, Outcome>> => {
      try {
        return { change, outcome: await runSteps(reconciler, change, steps, options) };
      } catch (error) {
        if (options.stopOnFailure) throw error;
        return { change, error, failed: true };
      }
    },
  );
  return result(
    reconciler.plan(await reconciler.read()).map((p) => p.change),
    done.filter((d): d is AppliedChange<C, Outcome> => !('failed' in d)),
    done.filter((d): d is FailedChange<C> & { failed: true } => 'failed' in d),
  );
}

/** What one change's steps came to: its outcome, or the error that stopped them. */
type Done<C extends Change, Outcome> =
  AppliedChange<C, Outcome> | (FailedChange<C> & { failed: true });

/** The steps of one change in order; the last step's outcome is the change's. */
async function runSteps<State, C extends Change, Step, Outcome>(
  reconciler: Reconciler<State, C, Step, Outcome>,
  change: C,
  [first, ...rest]: readonly [Step, ...Step[]],
  options: Omit<ReconcileOptions, 'mode'>,
): Promise<Outcome> {
  const run = async (step: Step): Promise<Outcome> => {
    const description = reconciler.describeStep(step, change);
    options.onStep?.(description);
    try {
      const outcome = await reconciler.runStep(step, change);
      options.onStepDone?.(description);
      return outcome;
    } catch (error) {
      options.onStepDone?.(description, error);
      throw error;
    }
  };
  let outcome = await run(first);
  for (const step of rest) outcome = await run(step);
  return outcome;
}
