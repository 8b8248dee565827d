import type {
  FundingRecord,
  FundingRecordState,
  FundingRecordStore,
} from '../../aws/funding-record.js';
import { errorMessage, OperationError } from '../../errors.js';
import type { FundingSettings } from '../../inventory/funding-types.js';
import type { Change } from '../change.js';
import { planFunding, type FundingPlan } from './funding.js';
import { KEY_STATUS, type KeyRow } from '../keys/types.js';
import type { Planned, ReconcileResult, Reconciler } from '../reconcile.js';

/**
 * The funding record (the approved settings' sha256, commit and time, tagged on the bank) as a
 * resource of the one loop: read the tags, plan (pure), one step that writes them. It is written
 * only once every key is in place (`keysNotInPlace`): the Keymaster funds the aliases the keys
 * plan approved, with the settings recorded here.
 */

export const FUNDING_RECORD_KIND = 'funding-record';

/** The funding record's change: its detail is the funding plan reviewers approve. */
export type FundingChange = Change<FundingPlan> & { detail: FundingPlan };

/** Writes the record: the plan's hash and commit, stamped with the time it is written. */
export interface FundingStep {
  op: 'record';
  record: Omit<FundingRecord, 'recordedAt'>;
}

export interface FundingReconcilerInput {
  store: FundingRecordStore;
  /** The bank's alias, the change's id. */
  bank: string;
  settings: FundingSettings;
  /** The commit the settings come from (recorded with them; lower case). */
  commit?: string | undefined;
  /** The settings of a recorded commit, to show what changed (undefined when unknown). */
  settingsAt: (commit: string) => FundingSettings | undefined;
  now: () => Date;
  /** Why the record may not be written now (a key not in place), checked by the step. */
  blocker: () => string | undefined;
}

/** Pure: the record's change, from what the bank records. */
export function planFundingRecord(
  input: Pick<FundingReconcilerInput, 'bank' | 'settings' | 'commit' | 'settingsAt'>,
  state: FundingRecordState,
): Planned<FundingChange, FundingStep> {
  const recordedCommit = state.bank === 'found' ? state.record?.commit : undefined;
  const plan = planFunding({
    settings: input.settings,
    state,
    recordedSettings: recordedCommit ? input.settingsAt(recordedCommit) : undefined,
  });
  const base = { kind: FUNDING_RECORD_KIND, id: input.bank, detail: plan };
  if (plan.outcome === 'failed') {
    return { change: { ...base, action: 'broken', reason: plan.error ?? '' }, steps: [] };
  }
  const commit = input.commit?.toLowerCase();
  const recorded = plan.recorded;
  if (recorded && recorded.sha256 === plan.sha256 && recorded.commit === commit) {
    return {
      change: { ...base, action: 'exists', reason: 'the bank records these settings and commit' },
      steps: [],
    };
  }
  const record = { sha256: plan.sha256, ...(commit ? { commit } : {}) };
  return {
    change: {
      ...base,
      action: recorded ? 'update' : 'create',
      reason:
        recorded?.sha256 === plan.sha256
          ? 'the bank records these settings from another commit: apply records this one'
          : 'apply records these settings on the bank',
    },
    steps: [{ op: 'record', record }],
  };
}

export function fundingReconciler(
  input: FundingReconcilerInput,
): Reconciler<FundingRecordState, FundingChange, FundingStep, FundingRecord> {
  return {
    read: () => input.store.read(),
    plan: (state) => [planFundingRecord(input, state)],
    runStep: async ({ record }) => {
      const blocked = input.blocker();
      if (blocked) throw new OperationError(blocked);
      const written = { ...record, recordedAt: input.now().toISOString() };
      try {
        await input.store.write(written);
      } catch (error) {
        throw new OperationError(
          `the funding settings could not be recorded on the bank: ${errorMessage(error)}; run the apply again`,
          { cause: error },
        );
      }
      return written;
    },
    describeStep: (_step, change) => `record the funding settings on ${change.id}`,
  };
}

/**
 * Why the record may not be written after these key rows: a key not in place is an alias the
 * Keymaster would fund unchecked. Undefined when every key is in place and the bank among them.
 */
export function keysNotInPlace(rows: readonly KeyRow[]): string | undefined {
  const missing = rows.filter((r) => !KEY_STATUS[r.status].inPlace);
  if (missing.length === 0 && rows.some((r) => r.purpose === 'bank')) return undefined;
  const named = missing
    .slice(0, 3)
    .map((r) => `${r.alias} is ${r.status}`)
    .join(', ');
  return `${named || 'the bank is missing'}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''}: the funding settings were not recorded, so the Keymaster keeps paying the last recorded ones; fix the keys and run the apply again`;
}

/** The funding plan of a result; after an apply, `recorded` or `failed` with why. */
export function fundingOf(result: ReconcileResult<FundingChange, FundingRecord>): FundingPlan {
  const planned = result.changes[0];
  if (!planned) throw new OperationError('the funding record was not planned: a bug of nomad-ops');
  const plan = planned.detail;
  if (result.mode === 'plan' || plan.outcome === 'failed') return plan;
  const failure = result.failed[0];
  if (failure) return { ...plan, outcome: 'failed', error: errorMessage(failure.error) };
  if (!result.ok) {
    return {
      ...plan,
      outcome: 'failed',
      error: `the bank does not record the funding settings after the apply wrote them: run the apply again`,
    };
  }
  return { ...plan, outcome: 'recorded' };
}
