import { bankAlias } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
import type { EnvironmentName } from '../config/schema.js';

/**
 * The staged-key tag contract of `keys.rotate` (issue 26 item 1, published by the rotate work): a
 * staged key carries the toolkit's usual tags for the alias it will take, plus `nomad:rotation`
 * `staged`. A bank rotation reads it to know the new bank is the toolkit's, for this bank alias
 * and environment, and IAM's tag conditions read the same tags.
 */
export const ROTATION_TAG = 'nomad:rotation';
export const STAGED = 'staged';

/** The tags (key → value) a staged bank key of `env` carries, for checks and IAM conditions. */
export function stagedBankTags(env: EnvironmentName): Record<string, string> {
  return {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [TAG_KEYS.environment]: env,
    [TAG_KEYS.alias]: bankAlias(env),
    [TAG_KEYS.purpose]: 'bank',
    [ROTATION_TAG]: STAGED,
  };
}
