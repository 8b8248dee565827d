import { createHash } from 'node:crypto';

/**
 * The short hash of an environment's plan: what the pull-request comment shows and what the
 * apply guard compares after merge. It covers what an apply writes (keys, IAM, bucket), not the
 * Keymaster's balances, which move every block and are not applied by a merge.
 */

/** The plans of one environment as the actions output them (parsed JSON). */
export interface EnvironmentPlans {
  environment: string;
  /** provision-keys `keys-json`: `{ ok, keys: [...], attestation: [...] }`. */
  keys?: unknown;
  /** apply-iam `plan-json`: `{ ok, summary, changes: [...], after? }`. */
  iam?: unknown;
  /** proofs-bucket `plan-json`, same shape as IAM's. */
  bucket?: unknown;
}

export const PLAN_HASH_LENGTH = 12;

/** Keys that carry a moment rather than a plan: two plans of the same change must hash alike. */
const TIME_KEYS = new Set([
  'startedAt',
  'finishedAt',
  'generatedAt',
  'createdAt',
  'updatedAt',
  'timestamp',
  'time',
  'date',
]);

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalValue(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || TIME_KEYS.has(key)) continue;
      out[key] = canonicalValue(v);
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** JSON with object keys in code-point order, no whitespace, no undefined, no timestamps. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object') return null;
  return (value as Record<string, unknown>)[name] ?? null;
}

/**
 * What is hashed: the key rows and the IAM and bucket change lists. Derived fields (`ok`,
 * counts, attestation addresses) and apply results (`after`) are left out, so a plan and its
 * re-plan after merge compare equal exactly when they would write the same things.
 */
export function hashablePlan(plans: EnvironmentPlans): unknown {
  return {
    environment: plans.environment,
    keys: plans.keys === undefined ? null : field(plans.keys, 'keys'),
    iam: plans.iam === undefined ? null : field(plans.iam, 'changes'),
    bucket: plans.bucket === undefined ? null : field(plans.bucket, 'changes'),
  };
}

/** First 12 hex digits of sha256 over the canonical JSON of the plan. */
export function planHash(plans: EnvironmentPlans): string {
  return createHash('sha256')
    .update(canonicalJson(hashablePlan(plans)))
    .digest('hex')
    .slice(0, PLAN_HASH_LENGTH);
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
  const changeWrites = (plan: unknown) => {
    const changes = field(plan, 'changes');
    return (
      Array.isArray(changes) &&
      changes.some((c) =>
        ['create', 'adopt', 'update', 'remove'].includes(String(field(c, 'action'))),
      )
    );
  };
  return keyWrites || changeWrites(plans.iam) || changeWrites(plans.bucket);
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
