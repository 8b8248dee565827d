import type { FundingRecord, FundingRecordState } from '../../aws/funding-record.js';
import { fundingSettingsHash } from '../../inventory/funding-settings.js';
import { diffFundingSettings } from '../../inventory/funding-lines.js';
import { type FundingSettingChange, type FundingSettings } from '../../inventory/funding-types.js';

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
  "this checkout's funding settings are not the approved ones, so nothing was sent";

/**
 * Whether the Keymaster may send with these settings: only those the bank records. When not,
 * the message names the approved commit and how to run from it (`env`: the environment's name
 * for the command it shows).
 */
export function fundingApproved(
  sha256: string,
  state: FundingRecordState,
  env = '<env>',
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
  const record = state.record;
  const file = `they hash to ${sha256.slice(0, 12)}`;
  if (!record) {
    return {
      approved: false,
      message: `${FUNDING_NOT_APPROVED} (${file}; the bank records none): run the apply workflow, which records the settings it applies`,
    };
  }
  const recorded = `the bank records ${record.sha256.slice(0, 12)}${record.recordedAt ? ` since ${record.recordedAt}` : ''}`;
  const how = record.commit
    ? `run from the approved commit (\`git fetch origin && git checkout ${record.commit}\`, then \`nomad-ops keymaster once --env ${env}\`, or deploy that commit), or have this change applied by the apply workflow`
    : 'the record names no commit: run the apply workflow, which records the commit it applies';
  return {
    approved: false,
    message: `${FUNDING_NOT_APPROVED} (${file}; ${recorded}${record.commit ? ` from commit ${record.commit}` : ''}): ${how}`,
  };
}

/** A commit of the environment file, with the hash of its funding settings then. */
export interface SettingsAtCommit {
  commit: string;
  /** Committer time, ms since the epoch. */
  committedAt: number;
  /** undefined when the file did not validate at that commit (it matches nothing). */
  sha256: string | undefined;
}

/** A merged funding change that no apply has recorded yet. */
export interface PendingChange {
  /** The first commit of the change still waiting (after the last one with the recorded settings). */
  commit: string;
  committedAt: string;
  ageSeconds: number;
}

/**
 * The change waiting for approval, if the head's settings are not the recorded ones: it began at
 * the first commit after the last one whose settings hash to the record (a change reverted before
 * its approval is no longer pending). `commits`: the commits after the recorded one that touched
 * the file, oldest first. Pure.
 */
export function pendingChange(input: {
  recordedSha256: string;
  headSha256: string;
  commits: SettingsAtCommit[];
  head: { commit: string; committedAt: number };
  now: number;
}): PendingChange | undefined {
  if (input.headSha256 === input.recordedSha256) return undefined;
  let since: SettingsAtCommit | undefined;
  for (const c of input.commits) {
    if (c.sha256 === input.recordedSha256) since = undefined;
    else since ??= c;
  }
  const first = since ?? { commit: input.head.commit, committedAt: input.head.committedAt };
  return {
    commit: first.commit,
    committedAt: new Date(first.committedAt).toISOString(),
    ageSeconds: Math.max(0, Math.floor((input.now - first.committedAt) / 1000)),
  };
}

/** What `keymaster approved` reports (see src/jobs/funding-approved.ts). */
export interface ApprovedStatus {
  environment: string;
  bank: 'found' | 'missing';
  /** What the bank records; null when nothing is (or the bank does not exist). */
  record: FundingRecord | null;
  /** The funding settings of this checkout's file. */
  checkout: { sha256: string; approved: boolean };
  /**
   * Whether the recorded commit is HEAD or an ancestor of it; undefined when there is no git
   * history here or the record names no commit.
   */
  onHistory: boolean | undefined;
  /** A merged change of the settings that no apply has recorded yet (needs the history). */
  pending: PendingChange | null;
}

/**
 * The commit the Keymaster workflow may run: the recorded one, only when it is on main's history
 * (the record is written by the apply role, but a commit off main was never reviewed there).
 * Pure; `history` names the history checked, for the message.
 */
export function runnableCommit(
  status: ApprovedStatus,
  history = "main's history",
): { commit: string } | { refused: string } {
  const env = status.environment;
  const apply = 'run the apply workflow, which records the commit it applies';
  if (status.bank === 'missing') return { refused: `the ${env} bank does not exist: ${apply}` };
  const record = status.record;
  if (!record) return { refused: `the ${env} bank records no approved settings: ${apply}` };
  if (!record.commit) {
    return {
      refused: `the ${env} bank records funding settings ${record.sha256.slice(0, 12)} but no commit (applied outside the workflow?): ${apply}`,
    };
  }
  if (status.onHistory === undefined) {
    return {
      refused: `there is no git history here to check commit ${record.commit} against: check out main with its history (fetch-depth: 0)`,
    };
  }
  if (!status.onHistory) {
    return {
      refused: `commit ${record.commit}, recorded on the ${env} bank as approved, is not on ${history}: refusing to run it. Find who recorded it (CloudTrail: TagResource on the bank) and ${apply} from main`,
    };
  }
  return { commit: record.commit };
}
