import { canonicalSha256 } from '../inventory/canonical.js';

export { canonicalJson, shortHash } from '../inventory/canonical.js';

/**
 * The hash of an environment's plan: the full sha256 of the canonical JSON of what an apply
 * writes (keys, IAM, bucket) and of the funding settings the Keymaster will pay with. The apply
 * workflow's gated job applies only when its re-plan hashes to the plan reviewers approved (the
 * plan job's artifact). People see its first 12 hex digits; nothing compares that short form.
 * The Keymaster's balances move every block and are not applied by a merge: not hashed.
 */

/** The plans of one environment as the actions output them (parsed JSON). */
export interface EnvironmentPlans {
  environment: string;
  /** provision-keys `keys-json`: `{ ok, keys: [...], attestation: [...], funding: {...} }`. */
  keys?: unknown;
  /** apply-iam `plan-json`: `{ ok, summary, changes: [...], after? }`. */
  iam?: unknown;
  /** proofs-bucket `plan-json`, same shape as IAM's. */
  bucket?: unknown;
}

/**
 * The plan file: what the apply workflow's plan job uploads as an artifact and the gated job's
 * guard compares its re-plan with. `sha256` is informative: the guard hashes the content again.
 */
export interface PlanFile extends EnvironmentPlans {
  /** The commit planned. */
  commit?: string;
  sha256: string;
}

function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object') return null;
  return (value as Record<string, unknown>)[name] ?? null;
}

/** Of the funding part: the settings, their hash and what the bank records (not the rendering). */
function hashableFunding(keys: unknown): unknown {
  const funding = field(keys, 'funding');
  if (funding === null) return null;
  return {
    sha256: field(funding, 'sha256'),
    settings: field(funding, 'settings'),
    recorded: field(funding, 'recorded'),
  };
}

/**
 * What is hashed: the key rows, the funding settings and the IAM and bucket change lists.
 * Derived fields (`ok`, counts, attestation addresses, the funding diff, which depends on what
 * git history a checkout has) and apply results (`after`) are left out, so a plan and its
 * re-plan compare equal exactly when they would write, and pay, the same.
 */
export function hashablePlan(plans: EnvironmentPlans): unknown {
  return {
    environment: plans.environment,
    keys: plans.keys === undefined ? null : field(plans.keys, 'keys'),
    funding: plans.keys === undefined ? null : hashableFunding(plans.keys),
    iam: plans.iam === undefined ? null : field(plans.iam, 'changes'),
    bucket: plans.bucket === undefined ? null : field(plans.bucket, 'changes'),
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

/** Whether applying this plan would write anything (a plan that writes nothing needs no approval). */
export function planWrites(plans: EnvironmentPlans): boolean {
  const keys = field(plans.keys, 'keys');
  const keyWrites =
    Array.isArray(keys) &&
    keys.some(
      (k) =>
        ['create', 'adopt'].includes(String(field(k, 'status'))) ||
        field(k, 'leftover') === 'schedule-deletion',
    );
  const fundingWrites = field(field(plans.keys, 'funding'), 'action') === 'record';
  const changeWrites = (plan: unknown) => {
    const changes = field(plan, 'changes');
    return (
      Array.isArray(changes) &&
      changes.some((c) =>
        ['create', 'adopt', 'update', 'remove'].includes(String(field(c, 'action'))),
      )
    );
  };
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
    throw new Error(
      `${name} is neither JSON nor a readable file (${trimmed}): ${error instanceof Error ? error.message : String(error)}`,
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
    throw new Error(
      `${name} is not JSON (${error instanceof Error ? error.message : String(error)}); pass the step output as is, e.g. \${{ steps.keys.outputs.keys-json }}`,
      { cause: error },
    );
  }
}
