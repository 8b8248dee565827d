import { InputError } from '../errors.js';
import type { GithubClient } from '../github/client.js';
import { readChangeHistory, readRunApprovals } from '../github/history.js';
import {
  decideApproval,
  renderApprovalDecision,
  type ApprovalDecision,
} from '../report/self-approval.js';
import { readPlanFile, type ReadFile } from './plan-inputs.js';

/**
 * The approval check's job: who approved this run's deployment of the environment, against who
 * authored, committed, opened or merged each commit the apply carries (after the commit the bank
 * records, up to the planned one). Used by the approval-check action in the gated job, before
 * anything is written, and by `nomad-ops github approvers`.
 */

export interface CommitRange {
  /** The commit recorded on the bank by the last apply; null when none is. */
  base: string | null;
  /** The commit being applied. */
  head: string;
}

export interface ApprovalCheckResult {
  decision: ApprovalDecision;
  range: CommitRange;
  markdown: string;
}

const SHA = /^[0-9a-f]{40}$/;

function sha(name: string, value: string | undefined): string {
  if (!value || !SHA.test(value)) {
    throw new InputError(`${name} is "${value ?? ''}", expected a full 40-digit commit sha`);
  }
  return value;
}

/**
 * The range from the approved plan file: its `commit` (the planned commit) and the commit its
 * keys plan shows recorded on the bank (`keys.funding.recorded.commit`). The plan file is the one
 * the guard binds to what AWS holds, so the recorded commit is the one the apply replaces.
 */
export function rangeFromPlanFile(
  input: { name: string; text: string },
  readFile: ReadFile,
): CommitRange {
  const plan = readPlanFile(input, readFile);
  if (!plan) throw new InputError(`${input.name} is empty: pass the approved plan file`);
  const recorded = plan.keys?.funding?.recorded?.commit;
  return {
    head: sha(`${input.name}: commit`, plan.commit),
    base: recorded ? sha(`${input.name}: keys.funding.recorded.commit`, recorded) : null,
  };
}

export function commitRange(head: string, base: string | undefined): CommitRange {
  return {
    head: sha('--head', head),
    base: base === undefined || base === 'none' ? null : sha('--base', base),
  };
}

export function runIdArg(value: string | undefined): number {
  const id = Number(value);
  if (!value || !Number.isSafeInteger(id) || id <= 0) {
    throw new InputError(`the run id is "${value ?? ''}", expected a workflow run's number`);
  }
  return id;
}

export async function approvalCheckJob(
  client: GithubClient,
  inputs: { repository: string; runId: number; environment: string; range: CommitRange },
): Promise<ApprovalCheckResult> {
  const [owner = '', repo = ''] = inputs.repository.split('/');
  const approvals = await readRunApprovals(client, { owner, repo }, inputs.runId);
  const history = await readChangeHistory(client, { owner, repo }, inputs.range);
  const decision = decideApproval({ environment: inputs.environment, approvals, history });
  return { decision, range: inputs.range, markdown: renderApprovalDecision(decision) };
}
