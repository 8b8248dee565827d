import { decideApply, type GuardDecision } from '../report/apply-guard.js';
import type { EnvironmentPlans } from '../report/plan-hash.js';
import { readIamPlan, readKeysPlan, readPlanFile, type ReadFile } from './plan-inputs.js';

/**
 * The apply guard's job: the plan made now in the gated job (its keys, IAM and bucket outputs)
 * against the approved plan file (the plan job's artifact), each read and checked against its
 * schema; applies only when the two hash the same.
 */

export interface ApplyGuardInputs {
  environment: string;
  /** The input texts: JSON, or the path of a file holding it; empty is none. */
  keysJson: string;
  iamJson: string;
  bucketJson: string;
  approvedPlan: string;
  readFile: ReadFile;
}

export interface ApplyGuardResult {
  decision: GuardDecision;
  /** The job summary. */
  markdown: string;
}

export function applyGuardJob(inputs: ApplyGuardInputs): ApplyGuardResult {
  const { environment, readFile } = inputs;
  const current: EnvironmentPlans = {
    environment,
    keys: readKeysPlan({ name: 'keys-json', text: inputs.keysJson }, readFile),
    iam: readIamPlan({ name: 'iam-json', text: inputs.iamJson }, readFile),
    bucket: readIamPlan({ name: 'bucket-json', text: inputs.bucketJson }, readFile),
  };
  const approved = readPlanFile({ name: 'approved-plan', text: inputs.approvedPlan }, readFile);
  const decision = decideApply({ environment, current, approved });
  return {
    decision,
    markdown: `### Apply guard — \`${environment}\`\n\n${decision.ok ? '✅' : '⛔'} ${decision.message}\n`,
  };
}
