import type { FundingRecord, FundingRecordState } from '../aws/funding-record.js';
import {
  diffFundingSettings,
  fundingSettingsHash,
  type FundingSettingChange,
  type FundingSettings,
} from '../inventory/funding-settings.js';

/**
 * The funding settings in a plan: the file's settings and their sha256, what the bank records
 * as last approved, and the difference (`record`: an apply writes the new hash on the bank).
 * Pure: the adapters that read the record and the previous settings are the caller's.
 */

export interface FundingPlan {
  /** `exists`: the bank records these settings; `record`: apply records them. */
  action: 'exists' | 'record';
  sha256: string;
  settings: FundingSettings;
  /** What the bank records now; null when nothing is (or the bank does not exist yet). */
  recorded: FundingRecord | null;
  /**
   * What the changes are measured against: `recorded` (the settings of the recorded commit, whose
   * hash matched the record), `none` (nothing recorded: every setting is new), `unavailable` (a
   * record whose settings could not be read back: every setting is listed).
   */
  baseline: 'recorded' | 'none' | 'unavailable';
  changes: FundingSettingChange[];
  /**
   * Apply: whether the record was written. Plan: `failed` when the settings cannot be approved
   * (their hash changed and no line shows why).
   */
  outcome?: 'recorded' | 'failed' | undefined;
  /** Why not. */
  error?: string | undefined;
}

export interface PlanFundingInput {
  settings: FundingSettings;
  state: FundingRecordState;
  /** The settings of the recorded commit, when they could be read (e.g. from git). */
  recordedSettings?: FundingSettings | undefined;
}

export function planFunding(input: PlanFundingInput): FundingPlan {
  const sha256 = fundingSettingsHash(input.settings);
  const recorded = input.state.bank === 'found' ? (input.state.record ?? null) : null;
  const action = recorded?.sha256 === sha256 ? 'exists' : 'record';
  // Only trust the previous settings when they are the ones recorded.
  const previous =
    recorded &&
    input.recordedSettings &&
    fundingSettingsHash(input.recordedSettings) === recorded.sha256
      ? input.recordedSettings
      : undefined;
  const baseline = previous ? 'recorded' : recorded ? 'unavailable' : 'none';
  const changes = action === 'exists' ? [] : diffFundingSettings(previous, input.settings);
  const plan: FundingPlan = {
    action,
    sha256,
    settings: input.settings,
    recorded,
    baseline,
    changes,
  };
  const unseen = unseenChange(plan);
  return unseen ? { ...plan, outcome: 'failed', error: unseen } : plan;
}

/**
 * Why a plan cannot be approved: its settings hash differently from what the bank records, yet
 * no line of the diff differs, so reviewers would approve a change they cannot see. Undefined
 * when every change is shown (or nothing changes).
 */
export function unseenChange(
  plan: Pick<FundingPlan, 'action' | 'sha256' | 'recorded' | 'changes'>,
): string | undefined {
  if (plan.action !== 'record' || plan.changes.length > 0) return undefined;
  const was = plan.recorded ? plan.recorded.sha256.slice(0, 12) : 'none';
  return `the funding settings hash changed (${was} → ${plan.sha256.slice(0, 12)}) but no setting shown to reviewers differs: this plan cannot be approved; report it as a bug of nomad-agent-ops (a hashed field without a line in the diff)`;
}

export const FUNDING_NOT_APPROVED =
  'funding settings changed since the last approved apply: run the apply workflow';

/** Whether the Keymaster may send with these settings: only those the bank records. */
export function fundingApproved(
  sha256: string,
  state: FundingRecordState,
): { approved: boolean; message: string } {
  if (state.bank === 'missing') {
    return { approved: false, message: 'the bank does not exist: run the apply workflow' };
  }
  if (state.record?.sha256 === sha256) {
    return {
      approved: true,
      message: `funding settings ${sha256.slice(0, 12)} are the approved ones`,
    };
  }
  const recorded = state.record
    ? `the bank records ${state.record.sha256.slice(0, 12)}${state.record.commit ? ` (commit ${state.record.commit.slice(0, 7)})` : ''}`
    : 'the bank records none';
  return {
    approved: false,
    message: `${FUNDING_NOT_APPROVED} (the file's settings hash to ${sha256.slice(0, 12)}, ${recorded})`,
  };
}
