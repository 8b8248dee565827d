import type { ResolvedEnvironment } from '../config/model.js';
import { bucketFor } from './bucket.js';
import { fundingMatrixFor } from './funding.js';
import { iamFor } from './iam.js';
import { keysFor } from './keys.js';
import type { Inventory } from './types.js';
import { InputError } from '../errors.js';

export interface InventoryOptions {
  /** Fallback GitHub repository (`GITHUB_REPOSITORY`) when the environment file names none. */
  repository?: string;
}

/** Everything an environment needs: keys, IAM, the proofs bucket and the funding matrix. */
export function inventoryFor(env: ResolvedEnvironment, options: InventoryOptions = {}): Inventory {
  const keys = keysFor(env);
  const { accounts, unfunded } = fundingMatrixFor(env, keys);
  return {
    environment: env.name,
    accountId: env.aws.accountId,
    region: env.aws.region,
    keyStore: env.keyStore,
    keys,
    iam: iamFor(env, { keys, ...(options.repository ? { repository: options.repository } : {}) }),
    bucket: bucketFor(env),
    funding: accounts,
    unfunded,
  };
}

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON-safe copy: bigints become decimal strings (wei), undefined fields are dropped, key
 * order is the construction order (deterministic), so the same input prints the same text.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (typeof value === 'bigint') return value.toString(10);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError(`cannot render ${value} as JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item ?? null));
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toJsonValue(item);
    }
    return out;
  }
  throw new InputError(`cannot render a ${typeof value} as JSON`);
}

/** The `--json` form of an inventory. */
export function inventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(toJsonValue(inventory), null, 2)}\n`;
}
