import { keyArnPattern } from './names.js';
import { ALL_ENVIRONMENTS, kmsReadStatements, kmsWriteStatements } from './role-statements.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from './tags.js';
import type { PolicyDocument } from './types.js';

/**
 * Key administration without use: no Sign, no Decrypt, and neither PutKeyPolicy nor CreateGrant
 * (either would let an administrator grant itself Sign). No alias at all (issue 24 item 9): it
 * could otherwise create a toolkit-tagged key whose key policy lets it sign and point an alias
 * not yet created (a production agent's, the bank's) at it; the apply roles alias keys, after
 * the key plan checked the key's policy and grants. Only the environment's own account, from
 * the environment file. It creates keys only of the toolkit's shape and with its tags
 * (`kmsWriteStatements`), and disables or schedules the deletion of the toolkit's keys only
 * when no alias points at them, like the apply role: never the bank or an agent key in use.
 *
 * Every region of that account: the policy is one account-wide resource that every environment
 * of the account renders, so it may not depend on any one environment's region (two environments
 * in one account but different regions would otherwise rewrite it back and forth).
 */
export function kmsAdminPolicyDocument(accountId: string): PolicyDocument {
  const keys = keyArnPattern('*', accountId);
  const [list, read] = kmsReadStatements(keys);
  const toolkitKeys = { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE };
  return {
    Version: '2012-10-17',
    Statement: [
      list!,
      read!,
      ...kmsWriteStatements('*', accountId, ALL_ENVIRONMENTS, { aliases: false }),
      {
        Sid: 'RestoreToolkitKeys',
        Effect: 'Allow',
        Action: ['kms:CancelKeyDeletion', 'kms:EnableKey', 'kms:UpdateKeyDescription'],
        Resource: keys,
        Condition: { StringEquals: toolkitKeys },
      },
      {
        // Never a key in use (the bank above all): only the toolkit's keys no alias points at.
        Sid: 'RetireUnaliasedToolkitKeys',
        Effect: 'Allow',
        Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'],
        Resource: keys,
        Condition: { StringEquals: toolkitKeys, Null: { 'kms:ResourceAliases': 'true' } },
      },
    ],
  };
}
