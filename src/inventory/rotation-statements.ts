import type { ResolvedEnvironment } from '../config/model.js';
import { aliasArnPattern, bankAlias, keyArnPattern } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, ROTATION_TAG, TAG_KEYS } from './tags.js';
import type { PolicyStatement } from './types.js';

/**
 * What a key rotation's switch needs of the apply role (issue 26, DESIGN §3 "Lifecycle"), and
 * no more. The policy is static (the apply role's policies change only at the administrator's
 * bootstrap), so the rules are about the keys' tags, not about the file's declarations:
 *
 * - the old key is marked `nomad:rotation=retired` (with `retired-from` and `retired-at`) while
 *   it still holds its alias;
 * - UpdateAlias is authorised by KMS on the alias, on the key it leaves and on the key it
 *   reaches, each on its own. The alias must be the environment's and never its bank's; the key
 *   left must be a key of the environment marked retired that holds an alias; the key reached
 *   must be a key of the environment staged by a rotation (`nomad:rotation=staged`, which only
 *   CreateKey can write, see `kmsWriteStatements`) that holds no alias.
 * - after the move, the staged mark leaves the new key, and the alias tags the old one.
 *   Disabling the old key and scheduling its deletion is `RetireExtraKeys` (no alias left).
 *
 * What IAM cannot say: KMS has no condition key with the alias name on the key side, so "staged
 * for this alias" (the key's `nomad:alias` tag) is checked by the key plan before each switch,
 * and a key this role itself marked retired looks like any key leaving its alias. A moved alias
 * lands only on a key of this environment staged by a rotation, or a key it marked retired.
 */
export function rotationStatements(env: ResolvedEnvironment): PolicyStatement[] {
  const { region, accountId } = env.aws;
  const keys = keyArnPattern(region, accountId);
  const ownKey = {
    [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
    [`aws:ResourceTag/${TAG_KEYS.environment}`]: env.name,
  };
  const rotationTag = `aws:ResourceTag/${TAG_KEYS.rotation}`;
  return [
    {
      Sid: 'MarkRotatedKeyRetired',
      Effect: 'Allow',
      Action: 'kms:TagResource',
      Resource: keys,
      Condition: {
        StringEquals: {
          ...ownKey,
          [`aws:RequestTag/${TAG_KEYS.rotation}`]: ROTATION_TAG.retired,
        },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': [TAG_KEYS.rotation, TAG_KEYS.retiredFrom, TAG_KEYS.retiredAt],
        },
      },
    },
    {
      Sid: 'SwitchEnvironmentAlias',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: aliasArnPattern(region, accountId, `alias/${env.name}-*`),
    },
    {
      Sid: 'SwitchOffRetiredKey',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: keys,
      Condition: {
        StringEquals: { ...ownKey, [rotationTag]: ROTATION_TAG.retired },
        Null: { 'kms:ResourceAliases': 'false' },
      },
    },
    {
      Sid: 'SwitchOntoStagedKey',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: keys,
      Condition: {
        StringEquals: { ...ownKey, [rotationTag]: ROTATION_TAG.staged },
        Null: { 'kms:ResourceAliases': 'true' },
      },
    },
    {
      // The bank's switch moves its money first (issue 26 item 2); no generic switch moves it.
      Sid: 'KeepBankAlias',
      Effect: 'Deny',
      Action: 'kms:UpdateAlias',
      Resource: aliasArnPattern(region, accountId, bankAlias(env.name)),
    },
    {
      Sid: 'UnmarkSwitchedKeys',
      Effect: 'Allow',
      Action: 'kms:UntagResource',
      Resource: keys,
      Condition: {
        StringEquals: ownKey,
        'ForAllValues:StringEquals': {
          'aws:TagKeys': [TAG_KEYS.rotation, TAG_KEYS.alias, TAG_KEYS.aliased],
        },
      },
    },
  ];
}
