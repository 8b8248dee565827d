import type { ResolvedEnvironment } from '../config/model.js';
import { bucketFor } from './bucket.js';
import { fundingMatrixFor } from './funding.js';
import { iamFor } from './iam.js';
import { keysFor } from './keys.js';
import type { Inventory } from './types.js';
import { toJsonValue } from './json.js';

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

/** The `--json` form of an inventory. */
export function inventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(toJsonValue(inventory), null, 2)}\n`;
}
