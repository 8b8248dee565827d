import type { ResolvedEnvironment } from '../config/model.js';
import { ENVIRONMENT_NAMES } from '../config/names.js';
import { aliasArnPattern, bankAlias, githubRoleName, keyArnPattern, roleArn } from './names.js';
import { stagedBankTags } from './rotation-tags.js';
import { FUNDING_RECORD_TAG_KEYS, TAG_KEYS } from './tags.js';
import type { PolicyStatement } from './types.js';

/**
 * What a bank rotation needs of IAM (issue 26 item 2), and no more. The apply role records the
 * approved funding settings on the staged bank; the Keymaster role reads the staged bank and
 * moves the bank alias onto it, onto nothing else: KMS authorizes UpdateAlias on the alias, on the
 * key it leaves and on the key it goes to, and each of the three is allowed here only for the
 * bank alias of the role's environment, the key that holds it, and a key tagged as staged for it.
 */

/** `aws:ResourceTag/…` conditions matching a key staged for the environment's bank. */
function stagedBankCondition(env: ResolvedEnvironment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stagedBankTags(env.name)).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
  );
}

const keysOf = (env: ResolvedEnvironment) => keyArnPattern(env.aws.region, env.aws.accountId);
const bankAliasArn = (env: ResolvedEnvironment) =>
  aliasArnPattern(env.aws.region, env.aws.accountId, bankAlias(env.name));

/** The Keymaster role: read the staged bank (never sign with it), move the bank alias onto it. */
export function keymasterBankRotationStatements(env: ResolvedEnvironment): PolicyStatement[] {
  return [
    {
      Sid: 'ReadStagedBank',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetPublicKey',
        'kms:ListGrants',
        'kms:ListResourceTags',
      ],
      Resource: keysOf(env),
      Condition: { StringEquals: stagedBankCondition(env) },
    },
    {
      Sid: 'MoveBankAlias',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: bankAliasArn(env),
    },
    {
      Sid: 'MoveBankAliasOffBank',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: keysOf(env),
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': bankAlias(env.name) } },
    },
    {
      Sid: 'MoveBankAliasOntoStagedBank',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: keysOf(env),
      Condition: { StringEquals: stagedBankCondition(env) },
    },
  ];
}

/** The apply role: the funding record's tags, and only those, on the staged bank. */
export function stagedBankRecordStatement(env: ResolvedEnvironment): PolicyStatement {
  return {
    Sid: 'RecordApprovedFundingOnStagedBank',
    Effect: 'Allow',
    Action: 'kms:TagResource',
    Resource: keysOf(env),
    Condition: {
      StringEquals: stagedBankCondition(env),
      'ForAllValues:StringEquals': { 'aws:TagKeys': FUNDING_RECORD_TAG_KEYS },
    },
  };
}

/**
 * The permissions boundary's room for it: the Keymaster role, and no other principal of the
 * environment, may read the bank's keys (current and staged) and move the bank alias.
 */
export function boundaryBankRotationStatements(env: ResolvedEnvironment): PolicyStatement[] {
  const keymaster = roleArn(env.aws.accountId, githubRoleName(env.name, 'keymaster'));
  // The bank's keys, current or staged: the staged tags but `nomad:rotation`.
  const bankTags = Object.fromEntries(
    Object.entries(stagedBankCondition(env)).filter(
      ([k]) => k !== `aws:ResourceTag/${TAG_KEYS.rotation}`,
    ),
  );
  return [
    {
      Sid: 'KeymasterRotatesBankKeys',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetPublicKey',
        'kms:ListGrants',
        'kms:ListResourceTags',
        'kms:UpdateAlias',
      ],
      Resource: keysOf(env),
      Condition: { StringEquals: bankTags, ArnEquals: { 'aws:PrincipalArn': keymaster } },
    },
    {
      Sid: 'KeymasterMovesBankAlias',
      Effect: 'Allow',
      Action: 'kms:UpdateAlias',
      Resource: bankAliasArn(env),
      Condition: { ArnEquals: { 'aws:PrincipalArn': keymaster } },
    },
  ];
}

/** Every environment's Keymaster role: the only principals a bank's key policy lets move its alias. */
export function keymasterRoleArns(accountId: string): string[] {
  return ENVIRONMENT_NAMES.map((env) => roleArn(accountId, githubRoleName(env, 'keymaster')));
}
