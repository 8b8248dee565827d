import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage, InputError } from '../errors.js';
import { decideApproved, type ApprovedDecision } from '../report/approved-plan.js';
import type { EnvironmentPlans } from '../report/plan-hash.js';
import {
  iamPlanJsonSchema,
  checkPlanJson,
  keysPlanJsonSchema,
  type PlanFileJson,
} from '../report/plan-json.js';
import { prepareBucketJob, prepareIamJob, type IamJobResult } from './iam.js';
import { prepareKeysJob, type KeysJobOptions, type KeysJobResult } from './keys.js';
import { readPlanFile, type ReadFile } from './plan-inputs.js';

/**
 * The gated apply (a saved plan, as in Terraform): reads keys, funding record, IAM and bucket
 * once each, compares every section with the approved plan row by row, and only when all of them
 * match carries out the changes of that same read, section by section. Nothing plans again
 * between the comparison and the writes; a change in AWS after the plan job stops the apply
 * before its first write.
 */

export interface ApplyApprovedOptions extends Omit<KeysJobOptions, 'commit' | 'prune'> {
  /** The approved plan (the plan job's artifact), read with `readApprovedPlan`. */
  approved: PlanFileJson;
  /**
   * The commit this job checked out: the approved plan must be of it. Recorded on the bank
   * (default: the approved plan's commit).
   */
  commit?: string;
  /** As the plan job planned IAM (the workflows: false, an administrator bootstraps). */
  bootstrap?: boolean;
  repository?: string;
}

export type ApprovedPart = 'keys' | 'iam' | 'bucket';

export interface ApplyApprovedResult {
  decision: ApprovedDecision;
  /** The applied sections, in order; a section after one that failed is not applied. */
  keys?: KeysJobResult;
  iam?: IamJobResult;
  bucket?: IamJobResult;
  /** The section whose apply failed (threw or is not ok), with what it said. */
  failed?: { part: ApprovedPart; message: string };
  ok: boolean;
  /** The job summary: the decision, then each applied section. */
  markdown: string;
}

/** The approved plan file, checked against its schema and environment before any AWS call. */
export function readApprovedPlan(
  environment: string,
  text: string,
  readFile: ReadFile,
): PlanFileJson {
  const approved = readPlanFile({ name: 'approved-plan', text }, readFile);
  if (!approved) {
    throw new InputError(
      'approved-plan is empty: give the plan file the plan job uploaded (the apply carries out an approved plan, never one of its own). Nothing was changed.',
    );
  }
  if (approved.environment !== environment) {
    throw new InputError(
      `approved-plan is the plan of environment "${approved.environment}", not "${environment}". Nothing was changed.`,
    );
  }
  return approved;
}

/** A section as the plan job's artifact holds it: JSON, parsed with the same schema. */
function asArtifact<T>(name: string, value: unknown, schema: Parameters<typeof checkPlanJson>[2]) {
  return checkPlanJson(name, JSON.parse(JSON.stringify(value)) as unknown, schema) as T;
}

export async function applyApprovedJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: ApplyApprovedOptions,
): Promise<ApplyApprovedResult> {
  const { approved, bootstrap, repository, ...keyOptions } = options;
  // The commit recorded on the bank: the one checked out, else the one the plan was made at.
  const commit = options.commit ?? approved.commit;
  // One read of each section, before any write.
  const keys = await prepareKeysJob(env, clients, {
    ...keyOptions,
    ...(commit ? { commit } : {}),
    onlyPlannedLeftovers: true,
    // Orphans are retired exactly when reviewers approved a --prune plan (and its rows match).
    prune: approved.keys?.prune === true,
  });
  const iam = await prepareIamJob(env, clients, {
    bootstrap: bootstrap ?? false,
    ...(repository ? { repository } : {}),
  });
  const bucket = await prepareBucketJob(env, clients);
  const current: EnvironmentPlans = {
    environment: env.name,
    keys: asArtifact('keys', keys.plan.json, keysPlanJsonSchema),
    iam: asArtifact('iam', JSON.parse(iam.plan.json), iamPlanJsonSchema),
    bucket: asArtifact('bucket', JSON.parse(bucket.plan.json), iamPlanJsonSchema),
  };
  const decision = decideApproved({ environment: env.name, current, approved, commit });
  const heading = `### Apply of the approved plan — \`${env.name}\`\n\n${decision.ok ? '✅' : '⛔'} ${decision.message}`;
  if (!decision.ok) {
    keyOptions.progress?.finish(); // no step ran: ends a terminal's progress line
    return { decision, ok: false, markdown: `${heading}\n` };
  }

  const result: ApplyApprovedResult = { decision, ok: false, markdown: heading };
  // Each section's apply keeps its own result type; the loop needs only whether it is ok.
  const sections: Array<[ApprovedPart, () => Promise<{ ok: boolean }>]> = [
    ['keys', async () => (result.keys = await keys.applyKeys())],
    ['iam', async () => (result.iam = await iam.apply())],
    ['bucket', async () => (result.bucket = await bucket.apply())],
  ];
  for (const [part, apply] of sections) {
    let done: { ok: boolean };
    try {
      done = await apply();
    } catch (error) {
      result.failed = { part, message: errorMessage(error) };
      break;
    }
    if (!done.ok) {
      result.failed = { part, message: failureOf(part, env.name, result.keys) };
      break;
    }
  }
  // The bank records the commit only when the whole approved plan is applied: a record moves the
  // Keymaster to this commit and is the base of the next approval check, so a partial apply must
  // leave the previous record in place.
  if (!result.failed && result.keys) {
    result.keys = await keys.record(result.keys);
    if (!result.keys.ok)
      result.failed = { part: 'keys', message: failureOf('keys', env.name, result.keys) };
  }
  for (const done of [result.keys, result.iam, result.bucket]) {
    if (done) result.markdown += `\n\n${done.markdown}`;
  }
  result.ok = result.failed === undefined;
  result.markdown += '\n';
  return result;
}

function failureOf(part: ApprovedPart, env: string, keys: KeysJobResult | undefined): string {
  if (part === 'keys') {
    if (keys?.result.ok && keys.funding.outcome === 'failed')
      return `${env}: ${keys.funding.error}`;
    return `some keys of ${env} need attention; see the job summary`;
  }
  return part === 'iam'
    ? `IAM of ${env} needs attention; see the job summary`
    : `the proofs bucket of ${env} needs attention; see the job summary`;
}
