import { errorMessage, InputError } from '../errors.js';
import { canonicalSha256 } from '../inventory/canonical.js';
import { KEY_STATUS } from '../plan/keys/types.js';
import type { IamPlanJson, KeysPlanJson, PlanFileJson } from './plan-json.js';
/**
 * The hash of an environment's plan: the full sha256 of the canonical JSON of what an apply
 * writes (keys, IAM, bucket) and of the funding settings the Keymaster will pay with. The apply
 * workflow's gated job applies only when its re-plan hashes to the plan reviewers approved (the
 * plan job's artifact). People see its first 12 hex digits; nothing compares that short form.
 * The Keymaster's balances move every block and are not applied by a merge: not hashed.
 */

/** The plans of one environment as the actions output them (parsed with `plan-json.ts`). */
export interface EnvironmentPlans {
  environment: string;
  /** provision-keys `keys-json`: `{ ok, keys: [...], attestation: [...], funding: {...} }`. */
  keys?: KeysPlanJson | undefined;
  /** apply-iam `plan-json`: `{ ok, summary, changes: [...], after? }`. */
  iam?: IamPlanJson | undefined;
  /** proofs-bucket `plan-json`, same shape as IAM's. */
  bucket?: IamPlanJson | undefined;
}

/**
 * The plan file: what the apply workflow's plan job uploads as an artifact and the gated job's
 * guard compares its re-plan with. `sha256` is informative: the guard hashes the content again.
 */
export type PlanFile = PlanFileJson;

/**
 * What is hashed: the key rows, the funding settings (their hash, the settings and what the bank
 * records, not the rendering) and the IAM and bucket change lists. Derived fields (`ok`, counts,
 * attestation addresses, the funding diff, which depends on what git history a checkout has) and
 * apply results (`after`) are left out, so a plan and its re-plan compare equal exactly when they
 * would write, and pay, the same. Inside the selection nothing is dropped: a network, tag or
 * policy named `time` or `createdAt` is hashed like any other (a moment the plan document might
 * carry one day is left out by its path, `canonicalSha256(value, omit)`, never by its name).
 */
export function hashablePlan(plans: EnvironmentPlans): Record<string, unknown> {
  const funding = plans.keys?.funding;
  return {
    environment: plans.environment,
    keys: plans.keys?.keys ?? null,
    // Only a prune plan says so: the hash of every other plan stays what it was.
    ...(plans.keys?.prune ? { prune: true } : {}),
    funding: funding
      ? {
          sha256: funding.sha256,
          settings: funding.settings ?? null,
          recorded: funding.recorded ?? null,
        }
      : null,
    iam: plans.iam?.changes ?? null,
    bucket: plans.bucket?.changes ?? null,
  };
}

/** Whether any plan was given at all (a guard given none must fail, not pass). */
export function hasPlans(plans: EnvironmentPlans): boolean {
  return plans.keys !== undefined || plans.iam !== undefined || plans.bucket !== undefined;
}

/** The full sha256 (64 hex digits) over the canonical JSON of the plan. */
export function planHash(plans: EnvironmentPlans): string {
  return canonicalSha256(hashablePlan(plans));
}

/** The plan file of an environment's plans, for the artifact. */
export function planFile(plans: EnvironmentPlans, commit?: string): PlanFile {
  return {
    environment: plans.environment,
    ...(commit ? { commit } : {}),
    ...(plans.keys !== undefined ? { keys: plans.keys } : {}),
    ...(plans.iam !== undefined ? { iam: plans.iam } : {}),
    ...(plans.bucket !== undefined ? { bucket: plans.bucket } : {}),
    sha256: planHash(plans),
  };
}

const WRITING = new Set(['create', 'adopt', 'update', 'remove']);

/** Whether applying this plan would write anything (a plan that writes nothing needs no approval). */
export function planWrites(plans: EnvironmentPlans): boolean {
  const keyWrites = (plans.keys?.keys ?? []).some(
    (k) => KEY_STATUS[k.status].writes || k.leftover === 'schedule-deletion',
  );
  const fundingWrites = plans.keys?.funding?.action === 'record';
  const changeWrites = (plan: IamPlanJson | undefined) =>
    (plan?.changes ?? []).some((c) => WRITING.has(c.action));
  return keyWrites || fundingWrites || changeWrites(plans.iam) || changeWrites(plans.bucket);
}

/**
 * A plan given to an action input: the JSON itself, or the path of a file that holds it. A path
 * is there for large plans: the runner passes inputs as environment variables, and Linux refuses
 * to start a process with one above 128 KiB.
 */
export function parsePlanInput(
  name: string,
  text: string,
  readText: (path: string) => string,
): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parsePlanJson(name, trimmed);
  let contents: string;
  try {
    contents = readText(trimmed);
  } catch (error) {
    throw new InputError(
      `${name} is neither JSON nor a readable file (${trimmed}): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return parsePlanJson(`${name} (${trimmed})`, contents);
}

/** A plan given as JSON text (an action input); empty text is no plan. */
export function parsePlanJson(name: string, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(
      `${name} is not JSON (${errorMessage(error)}); pass the step output as is, e.g. \${{ steps.keys.outputs.keys-json }}`,
      { cause: error },
    );
  }
}
