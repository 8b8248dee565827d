import type { EnvironmentName } from '../config/names.js';
import { bankAlias } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, ROTATION_TAG, TAG_KEYS } from './tags.js';

/**
 * The tags a staged bank key of `env` carries (the staged-key contract of `keys.rotate`: the
 * alias's usual tags plus `nomad:rotation=staged`), as the bank rotation checks them before it
 * moves money to the key, and as IAM's tag conditions name them.
 */
export function stagedBankTags(env: EnvironmentName): Record<string, string> {
  return {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [TAG_KEYS.environment]: env,
    [TAG_KEYS.alias]: bankAlias(env),
    [TAG_KEYS.purpose]: 'bank',
    [TAG_KEYS.rotation]: ROTATION_TAG.staged,
  };
}
