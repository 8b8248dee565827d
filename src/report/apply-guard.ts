import { hashablePlan, hasPlans, planHash, type EnvironmentPlans } from './plan-hash.js';
import { canonicalJson, shortHash } from '../inventory/canonical.js';

/**
 * The apply guard's decision: what reviewers approved (the plan the apply workflow's plan job
 * uploaded and showed in its job summary) must be what is applied (the plan made again in the
 * gated job, just before writing). Full sha256 of the canonical JSON on both sides; no comment,
 * no hash typed by a person, no stored hash is trusted.
 */

export interface GuardInput {
  environment: string;
  /** The plan made now, in the gated job. */
  current: EnvironmentPlans;
  /** The approved plan (the artifact); undefined when none was given. */
  approved: (EnvironmentPlans & { commit?: string | undefined }) | undefined;
}

export interface GuardDecision {
  ok: boolean;
  message: string;
  currentHash?: string;
  approvedHash?: string;
}

/** The parts (keys, funding, IAM, bucket) whose content differs, for the message. */
export function differingParts(a: EnvironmentPlans, b: EnvironmentPlans): string[] {
  const left = hashablePlan(a);
  const right = hashablePlan(b);
  return Object.keys(left).filter((k) => canonicalJson(left[k]) !== canonicalJson(right[k]));
}

export function decideApply(input: GuardInput): GuardDecision {
  const env = input.environment;
  if (!hasPlans(input.current)) {
    return {
      ok: false,
      message:
        `${env}: refusing to apply: the guard was given no plan made in this job (keys-json, iam-json ` +
        'and bucket-json are all empty). A step output is probably misnamed in the workflow.',
    };
  }
  const currentHash = planHash(input.current);
  const approved = input.approved;
  if (!approved || !hasPlans(approved)) {
    return {
      ok: false,
      currentHash,
      message:
        `${env}: refusing to apply plan ${shortHash(currentHash)}: no approved plan was given ` +
        "(the plan job's artifact is missing or empty). Run the apply workflow again.",
    };
  }
  if (approved.environment !== env) {
    return {
      ok: false,
      currentHash,
      message: `${env}: refusing to apply: the approved plan is of environment "${approved.environment}"`,
    };
  }
  const approvedHash = planHash(approved);
  if (approvedHash === currentHash) {
    return {
      ok: true,
      currentHash,
      approvedHash,
      message: `${env}: plan ${shortHash(currentHash)} is the plan approved in this run (sha256 ${currentHash})`,
    };
  }
  const parts = differingParts(approved, input.current);
  return {
    ok: false,
    currentHash,
    approvedHash,
    message:
      `${env}: refusing to apply: the plan made now (${shortHash(currentHash)}) differs from the plan ` +
      `approved (${shortHash(approvedHash)}) in: ${parts.join(', ') || 'its content'}. Something changed ` +
      'after the plan job (another apply, or a change made outside the toolkit); nothing was written. ' +
      'Run the apply workflow again so reviewers see and approve the plan as it is now.',
  };
}
