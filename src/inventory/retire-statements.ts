import type { ResolvedEnvironment } from '../config/model.js';
import { aliasArnPattern, bankAlias, keyArnPattern } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
import type { PolicyStatement } from './types.js';

/**
 * Retiring keys. Extra keys a retried or racing CreateKey made (DESIGN §3), and orphans once
 * their alias is gone: only keys of this environment's toolkit tags that no alias points at, so
 * never a key in use.
 */
export function retireKeyStatements(env: ResolvedEnvironment): PolicyStatement[] {
  return [
    {
      Sid: 'RetireExtraKeys',
      Effect: 'Allow',
      Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'],
      Resource: keyArnPattern(env.aws.region, env.aws.accountId),
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
          [`aws:ResourceTag/${TAG_KEYS.environment}`]: env.name,
        },
        Null: { 'kms:ResourceAliases': 'true' },
      },
    },
    ...pruneAliasStatements(env),
  ];
}

/**
 * `keys apply --prune` removes an orphaned key's alias before it disables the key (issue 26
 * item 4): from then on no signer policy's `alias/{env}-*` pattern matches the key, and the
 * apply role's `RetireExtraKeys` (only keys no alias points at) lets it disable the key.
 * DeleteAlias needs permission on the alias and on its key: the alias in this environment's
 * namespace, the key tagged as this environment's toolkit key. The bank's alias is never
 * removed (its key policy denies it too).
 */
export function pruneAliasStatements(env: ResolvedEnvironment): PolicyStatement[] {
  const { region, accountId } = env.aws;
  return [
    {
      Sid: 'UnaliasOrphansInEnvironment',
      Effect: 'Allow',
      Action: 'kms:DeleteAlias',
      Resource: aliasArnPattern(region, accountId, `alias/${env.name}-*`),
    },
    {
      Sid: 'UnaliasToolkitKeys',
      Effect: 'Allow',
      Action: 'kms:DeleteAlias',
      Resource: keyArnPattern(region, accountId),
      Condition: {
        StringEquals: {
          [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
          [`aws:ResourceTag/${TAG_KEYS.environment}`]: env.name,
        },
      },
    },
    {
      Sid: 'KeepBankAliasOnPrune',
      Effect: 'Deny',
      Action: 'kms:DeleteAlias',
      Resource: aliasArnPattern(region, accountId, bankAlias(env.name)),
    },
  ];
}
