import { ENVIRONMENT_NAMES, type EnvironmentName } from '../config/schema.js';
import { aliasArnPattern, groupArn, keyArnPattern, userArn } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
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
): PolicyStatement[] {
  const keys = keyArnPattern(region, accountId);
  const envValue = environments.length === 1 ? environments[0]! : [...environments];
  return [
    {
      Sid: 'CreateToolkitKeys',
      Effect: 'Allow',
      Action: 'kms:CreateKey',
      Resource: '*',
      Condition: {
        StringEquals: { ...KEY_SHAPE.StringEquals, ...requestTagsFor(envValue) },
        Bool: KEY_SHAPE.Bool,
        'ForAllValues:StringEquals': { 'aws:TagKeys': KEY_TAG_KEYS },
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
        'ForAllValues:StringEquals': { 'aws:TagKeys': KEY_TAG_KEYS },
      },
    },
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

/** The IAM resources an apply owns, and the `nomad:environment` values they carry. */
export interface IamWriteScope {
  /**
   * `nomad:environment` values of the resources: the environment's name, plus `shared` for the
   * production apply, which also keeps the account-wide kms-admin in line.
   */
  owners: string[];
  users: string[];
  groups: string[];
  /** Policies apply creates and keeps in line (never a bootstrap one). */
  policyArns: string[];
  /** Policies apply may attach to `groups`. */
  attachablePolicyArns: string[];
  /** Bootstrap policies (the administrator's alone): never written nor attached by apply. */
  bootstrapPolicyArns: string[];
}

/**
 * Create and keep in line the scope's users, groups and policies: by name (ARN) and by tag, so
 * a resource of another environment is refused even when its name is listed. Creating and
 * tagging share a statement: the request must carry the toolkit's tags for one of `owners`, and
 * an existing resource must not be tagged for anyone else.
 *
 * IAM cannot condition `AddUserToGroup` on the user, nor `CreatePolicyVersion` on the document:
 * an apply role can rewrite its own environment's policies and add a user to its own groups.
 * Neither reaches another environment or the account-wide resources, and the access plan
 * reports every member and policy the toolkit did not put there as `drift`, failing the plan.
 */
export function iamWriteStatements(accountId: string, scope: IamWriteScope): PolicyStatement[] {
  const owners = scope.owners.length === 1 ? scope.owners[0]! : scope.owners;
  const createOrTag = {
    StringEquals: { [MANAGED_REQUEST_TAG]: MANAGED_BY_VALUE, [ENV_REQUEST_TAG]: owners },
    StringEqualsIfExists: { [MANAGED_TAG]: MANAGED_BY_VALUE, [ENV_TAG]: owners },
  };
  const groups = scope.groups.map((g) => groupArn(accountId, g));
  const policies = policyArnPatterns(accountId, scope.owners, scope.policyArns);
  const attachable = policyArnPatterns(accountId, scope.owners, scope.attachablePolicyArns);
  const attachableBootstrap = matching(attachable, scope.bootstrapPolicyArns);
  return [
    {
      Sid: 'CreateUsers',
      Effect: 'Allow',
      Action: ['iam:CreateUser', 'iam:TagUser'],
      Resource: scope.users.map((u) => userArn(accountId, u)),
      Condition: createOrTag,
    },
    {
      Sid: 'CreateGroups',
      Effect: 'Allow',
      Action: ['iam:AddUserToGroup', 'iam:CreateGroup'],
      Resource: groups,
    },
    {
      Sid: 'AttachOwnPoliciesToGroups',
      Effect: 'Allow',
      Action: 'iam:AttachGroupPolicy',
      Resource: groups,
      Condition: {
        ArnLike: { 'iam:PolicyARN': attachable },
        // The patterns may also match a bootstrap policy: never that one.
        ...(attachableBootstrap.length
          ? { ArnNotEquals: { 'iam:PolicyARN': attachableBootstrap } }
          : {}),
      },
    },
    {
      Sid: 'CreatePolicies',
      Effect: 'Allow',
      Action: ['iam:CreatePolicy', 'iam:TagPolicy'],
      Resource: policies,
      Condition: createOrTag,
    },
    {
      Sid: 'ChangePolicies',
      Effect: 'Allow',
      Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion'],
      Resource: policies,
      Condition: { StringEquals: { [MANAGED_TAG]: MANAGED_BY_VALUE, [ENV_TAG]: owners } },
    },
    ...keepBootstrapPolicies(policies, scope.bootstrapPolicyArns),
  ];
}

/**
 * The policy patterns above also match the bootstrap policies named in the environment's
 * namespace (the Keymaster's, `{env}-keymaster`): an explicit Deny keeps them the
 * administrator's alone, whatever their tags say.
 */
function keepBootstrapPolicies(patterns: string[], bootstrap: string[]): PolicyStatement[] {
  const covered = matching(patterns, bootstrap);
  if (covered.length === 0) return [];
  return [
    {
      Sid: 'KeepBootstrapPolicies',
      Effect: 'Deny',
      Action: [
        'iam:CreatePolicy',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:TagPolicy',
      ],
      Resource: covered,
    },
  ];
}

/**
 * The policies' ARNs, those named `{env}-…` for an environment among `owners` folded into one
 * `policy/{env}-*` pattern: a managed policy document holds at most 6,144 characters, and one
 * ARN per policy does not fit an environment with operators. The fold widens nothing that
 * matters: creating and changing also require the resource's `nomad:environment` tag (or the
 * request's) to be one of `owners`, and a policy the apply role could attach under the pattern
 * is one it could already rewrite with CreatePolicyVersion (which IAM cannot limit by document).
 */
export function policyArnPatterns(
  accountId: string,
  owners: readonly string[],
  arns: readonly string[],
): string[] {
  const prefixes = owners
    .filter((o) => (ENVIRONMENT_NAMES as readonly string[]).includes(o))
    .map((env) => `arn:aws:iam::${accountId}:policy/${env}-`);
  const folded = new Set<string>();
  const explicit: string[] = [];
  for (const arn of arns) {
    const prefix = prefixes.find((p) => arn.startsWith(p));
    if (prefix) folded.add(`${prefix}*`);
    else explicit.push(arn);
  }
  return [...folded, ...explicit];
}

/** The ARNs among `arns` that one of the `*` patterns matches. */
function matching(patterns: string[], arns: string[]): string[] {
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return arns.filter((arn) => prefixes.some((prefix) => arn.startsWith(prefix)));
}
