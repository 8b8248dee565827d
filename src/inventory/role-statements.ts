import { ENVIRONMENT_NAMES, type EnvironmentName } from '../config/names.js';
import { aliasArnPattern, keyArnPattern } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, ROTATION_TAG, TAG_KEYS } from './tags.js';
import type { PolicyStatement } from './types.js';

/**
 * The statements the plan, apply and kms-admin policies are made of, one builder per concern.
 * Each scopes what it allows to one environment's resources by name and by tag, so that no
 * role of one environment can change another's (DESIGN §5, issue 13). What IAM cannot express
 * is said where it matters, and covered by a key-policy statement or by a plan check.
 */

const ENV_TAG = `aws:ResourceTag/${TAG_KEYS.environment}`;
const ENV_REQUEST_TAG = `aws:RequestTag/${TAG_KEYS.environment}`;
const MANAGED_TAG = `aws:ResourceTag/${MANAGED_BY_TAG}`;
const MANAGED_REQUEST_TAG = `aws:RequestTag/${MANAGED_BY_TAG}`;

/** Every tag key the toolkit puts on a KMS key: a request carrying another is refused. */
export const KEY_TAG_KEYS = [
  MANAGED_BY_TAG,
  TAG_KEYS.environment,
  TAG_KEYS.network,
  TAG_KEYS.keyName,
  TAG_KEYS.role,
  TAG_KEYS.purpose,
  TAG_KEYS.alias,
  TAG_KEYS.createdByRun,
  TAG_KEYS.aliased,
];

/** The tags the apply writes on a key after creating it (`recordAliased`, `unmark-staged`). */
const KEY_TAGS_AFTER_CREATE = [MANAGED_BY_TAG, TAG_KEYS.environment, TAG_KEYS.aliased];

/** The only key the toolkit creates: secp256k1 signing, in KMS, single-Region. */
const KEY_SHAPE = {
  StringEquals: {
    'kms:KeySpec': 'ECC_SECG_P256K1',
    'kms:KeyUsage': 'SIGN_VERIFY',
    'kms:KeyOrigin': 'AWS_KMS',
  },
  Bool: { 'kms:MultiRegion': 'false', 'kms:BypassPolicyLockoutSafetyCheck': 'false' },
} as const;

/** Key tags an environment (or the shared admin, any of `environments`) may write. */
const requestTagsFor = (environments: string | string[]) => ({
  [MANAGED_REQUEST_TAG]: MANAGED_BY_VALUE,
  [ENV_REQUEST_TAG]: environments,
});

/**
 * KMS reads a plan needs: the alias and key lists, and each key's metadata, public key, tags,
 * key policy and grants (the last two to refuse a key that gives anything away).
 */
export function kmsReadStatements(keys: string): PolicyStatement[] {
  return [
    {
      Sid: 'ListKeys',
      Effect: 'Allow',
      Action: ['kms:ListAliases', 'kms:ListKeys'],
      Resource: '*',
    },
    {
      Sid: 'ReadKeys',
      Effect: 'Allow',
      Action: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetPublicKey',
        'kms:ListGrants',
        'kms:ListResourceTags',
      ],
      Resource: keys,
    },
  ];
}

/**
 * Create keys and aliases for the environments in `environments` (one for an apply role, every
 * environment for kms-admin), never change an alias or a key of another environment.
 *
 * - CreateKey only for the toolkit's key shape and only with the toolkit's tags naming one of
 *   `environments`. IAM cannot see the key policy passed to CreateKey: a key whose policy gives
 *   anything beyond the account is refused by the key plan (`broken`), never used.
 * - TagResource with the same tags, and only on keys not tagged for another environment.
 * - CreateAlias needs permission on the alias and on the key. The alias must be in the
 *   environments' namespace (`alias/{env}-*`); the key must be tagged managed-by and for one of
 *   `environments`; and a key that already has an alias gets no second one (a second alias on a
 *   key is a grant: signer policies match `ForAnyValue` over `kms:ResourceAliases`). KMS offers
 *   no condition key with the alias name on the key side, so "the key's `nomad:alias` tag names
 *   this alias" cannot be an IAM rule: the key plan checks it, and every key the toolkit creates
 *   carries a key policy that denies a second alias to everyone (`toolkitKeyPolicyDocument`).
 */
export function kmsWriteStatements(
  region: string,
  accountId: string,
  environments: readonly string[],
  { aliases = true }: { aliases?: boolean } = {},
): PolicyStatement[] {
  const keys = keyArnPattern(region, accountId);
  const envValue = environments.length === 1 ? environments[0]! : [...environments];
  const statements: PolicyStatement[] = [
    {
      Sid: 'CreateToolkitKeys',
      Effect: 'Allow',
      Action: 'kms:CreateKey',
      Resource: '*',
      Condition: {
        StringEquals: { ...KEY_SHAPE.StringEquals, ...requestTagsFor(envValue) },
        // A rotation's new key is staged at birth; no later tag can stage a key (issue 26).
        StringEqualsIfExists: { [`aws:RequestTag/${TAG_KEYS.rotation}`]: ROTATION_TAG.staged },
        Bool: KEY_SHAPE.Bool,
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...KEY_TAG_KEYS, TAG_KEYS.rotation] },
      },
    },
    {
      Sid: 'TagToolkitKeys',
      Effect: 'Allow',
      Action: 'kms:TagResource',
      Resource: keys,
      Condition: {
        StringEquals: requestTagsFor(envValue),
        StringEqualsIfExists: { [ENV_TAG]: envValue },
        // Only what is recorded after CreateKey (`nomad:aliased`, beside the two tags that say
        // whose key it is). What a key is for (`nomad:alias`, network, key name, role) is fixed
        // at birth: a rewritten `nomad:alias` could point a drain or an adoption at a live key.
        'ForAllValues:StringEquals': { 'aws:TagKeys': KEY_TAGS_AFTER_CREATE },
      },
    },
  ];
  if (!aliases) return statements;
  return [
    ...statements,
    {
      Sid: 'NameAliasesInEnvironment',
      Effect: 'Allow',
      Action: 'kms:CreateAlias',
      Resource: environments.map((env) => aliasArnPattern(region, accountId, `alias/${env}-*`)),
    },
    {
      Sid: 'AliasToolkitKeys',
      Effect: 'Allow',
      Action: 'kms:CreateAlias',
      Resource: keys,
      Condition: { StringEquals: { [MANAGED_TAG]: MANAGED_BY_VALUE, [ENV_TAG]: envValue } },
    },
    {
      Sid: 'NoSecondAlias',
      Effect: 'Deny',
      Action: 'kms:CreateAlias',
      Resource: keys,
      Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/*' } },
    },
  ];
}

/** Every environment name, for the account-wide admin. */
export const ALL_ENVIRONMENTS: readonly EnvironmentName[] = ENVIRONMENT_NAMES;

/**
 * IAM reads of a plan, and no more: the account's lists (IAM has no narrower resource for
 * them), each principal's tags, groups, members and the names of its attached and inline
 * policies, and the toolkit's policy documents. Never `GetAccountAuthorizationDetails`,
 * `GetCredentialReport`, nor the documents of inline policies (`Get*Policy`).
 */
export function iamReadStatements(accountId: string): PolicyStatement[] {
  const arn = (type: string) => `arn:aws:iam::${accountId}:${type}/*`;
  return [
    {
      Sid: 'ListIam',
      Effect: 'Allow',
      Action: [
        'iam:ListGroups',
        'iam:ListOpenIDConnectProviders',
        'iam:ListPolicies',
        'iam:ListRoles',
        'iam:ListUsers',
      ],
      Resource: '*',
    },
    {
      Sid: 'ReadPrincipals',
      Effect: 'Allow',
      Action: [
        'iam:GetGroup',
        'iam:GetRole',
        'iam:GetUser',
        // Key ids and status only (prune deletes a leftover user's keys first); never a secret.
        'iam:ListAccessKeys',
        'iam:ListAttachedGroupPolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListAttachedUserPolicies',
        'iam:ListGroupPolicies',
        'iam:ListGroupsForUser',
        'iam:ListRolePolicies',
        'iam:ListRoleTags',
        'iam:ListUserPolicies',
        'iam:ListUserTags',
      ],
      Resource: [arn('user'), arn('group'), arn('role')],
    },
    {
      Sid: 'ReadPolicies',
      Effect: 'Allow',
      Action: [
        'iam:GetPolicy',
        'iam:GetPolicyVersion',
        'iam:ListEntitiesForPolicy',
        'iam:ListPolicyTags',
        'iam:ListPolicyVersions',
      ],
      Resource: arn('policy'),
    },
    {
      Sid: 'ReadOidcProviders',
      Effect: 'Allow',
      Action: ['iam:GetOpenIDConnectProvider', 'iam:ListOpenIDConnectProviderTags'],
      Resource: arn('oidc-provider'),
    },
  ];
}
