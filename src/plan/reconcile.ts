import { PRUNE_ACTIONS, WRITING_ACTIONS, type Change } from './change.js';
import { mapLimited } from '../pool.js';

/**
 * The one loop every resource kind runs: read → plan (pure) → apply steps → re-read → result.
 * Keys, IAM and the bucket differ only in the adapter they pass in; planning never writes, and
 * `ok` means the same for all of them.
 */

/** One planned change and the writes that carry it out, in order. */
export interface Planned<C extends Change, Step> {
  change: C;
  steps: readonly Step[];
}

export interface Reconciler<State, C extends Change, Step> {
  /** Reads everything the plan needs. No writes. */
  read(): Promise<State>;
  /** Pure: the changes and their steps, from what was read. */
  plan(state: State): Planned<C, Step>[];
  /** Carries out one step (one or a few API calls). */
  runStep(step: Step, change: C): Promise<void>;
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

export interface ReconcileResult<C extends Change> {
  /** The plan, as read before any write. */
  changes: C[];
  /** Apply only: the plan as read again after the writes (what is still to do). */
  after?: C[];
  /** Apply only: changes whose steps threw; the changes not depending on them were applied. */
  failed?: FailedChange<C>[];
  /**
   * Plan: nothing is broken or drifted. Apply: nothing failed and the re-read plan has nothing
   * left to do (prune-only changes count only when pruning).
   */
  ok: boolean;
}

/** A change that makes the result not ok while it is in the plan. */
export function blocks(change: Change, prune: boolean, afterApply: boolean): boolean {
  if (change.action === 'broken' || change.action === 'drift') return true;
  if (!afterApply) return false;
  return WRITING_ACTIONS.has(change.action) && (!PRUNE_ACTIONS.has(change.action) || prune);
}

/** Whether apply carries out this change's steps. */
export function applies(change: Change, prune: boolean): boolean {
  return WRITING_ACTIONS.has(change.action) && (!PRUNE_ACTIONS.has(change.action) || prune);
}

export async function reconcile<State, C extends Change, Step>(
  reconciler: Reconciler<State, C, Step>,
  options: ReconcileOptions,
): Promise<ReconcileResult<C>> {
  const prepared = await prepare(reconciler, options);
  return options.mode === 'plan' ? prepared.plan : prepared.apply();
}

/** A plan read once, and the apply of exactly its changes. */
export interface Prepared<C extends Change> {
  /** The plan as read (what `reconcile` returns in plan mode). */
  plan: ReconcileResult<C>;
  /**
   * Carries out the steps of these changes, planned from that one read (no second read to plan:
   * what a caller checked is what is written), then re-reads to confirm.
   */
  apply(): Promise<ReconcileResult<C>>;
}

/**
 * The read and plan half of `reconcile`, for callers that check the plan before any write (the
 * apply of an approved plan compares every section with the artifact first).
 */
export async function prepare<State, C extends Change, Step>(
  reconciler: Reconciler<State, C, Step>,
  options: Omit<ReconcileOptions, 'mode'>,
): Promise<Prepared<C>> {
  const prune = options.prune ?? false;
  const planned = reconciler.plan(await reconciler.read());
  const changes = planned.map((p) => p.change);
  return {
    plan: { changes, ok: !changes.some((c) => blocks(c, prune, false)) },
    apply: () => applyPlanned(reconciler, planned, options),
  };
}

/**
 * The apply half of `reconcile`: runs the steps of the changes that apply, then re-reads. For a
 * plan already read (e.g. a second pass over what the re-read found). When nothing applies,
 * nothing is written, so nothing is read again: `after` is the plan itself.
 */
export async function applyPlanned<State, C extends Change, Step>(
  reconciler: Reconciler<State, C, Step>,
  planned: Planned<C, Step>[],
  options: Omit<ReconcileOptions, 'mode'>,
): Promise<ReconcileResult<C>> {
  const prune = options.prune ?? false;
  const changes = planned.map((p) => p.change);
  const todo = planned.filter((p) => applies(p.change, prune));
  if (todo.length === 0) {
    return {
      changes,
      after: changes,
      failed: [],
      ok: !changes.some((c) => blocks(c, prune, true)),
    };
  }
  options.onApplyStart?.(todo.reduce((n, p) => n + p.steps.length, 0));
  const failed: FailedChange<C>[] = [];
  // With stopOnFailure a failure rejects the pool, which then starts no further change.
  await mapLimited(todo, Math.max(1, options.concurrency ?? 1), async ({ change, steps }) => {
    try {
      for (const step of steps) {
        const description = reconciler.describeStep(step, change);
        options.onStep?.(description);
        try {
          await reconciler.runStep(step, change);
        } catch (error) {
          options.onStepDone?.(description, error);
          throw error;
        }
        options.onStepDone?.(description);
      }
    } catch (error) {
      if (options.stopOnFailure) throw error;
      failed.push({ change, error });
    }
  });

  const after = reconciler.plan(await reconciler.read()).map((p) => p.change);
  return {
    changes,
    after,
    failed,
    ok: failed.length === 0 && !after.some((c) => blocks(c, prune, true)),
  };
}
