import { ENVIRONMENT_NAMES } from '../config/names.js';
import { groupArn, userArn } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
import type { PolicyStatement } from './types.js';

/**
 * The apply role's IAM writes (issue 13, issue 24 item 8): the environment's users, groups and
 * policies, by name and by tag, and every user created or changed only with the environment's
 * permissions boundary attached.
 */

const ENV_TAG = `aws:ResourceTag/${TAG_KEYS.environment}`;
const ENV_REQUEST_TAG = `aws:RequestTag/${TAG_KEYS.environment}`;
const MANAGED_TAG = `aws:ResourceTag/${MANAGED_BY_TAG}`;
const MANAGED_REQUEST_TAG = `aws:RequestTag/${MANAGED_BY_TAG}`;

/** The IAM resources an apply owns, and the `nomad:environment` values they carry. */
export interface IamWriteScope {
  /** The environment's permissions boundary: every user apply creates or changes carries it. */
  boundaryArn: string;
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
 * IAM cannot condition `CreatePolicyVersion` on the document: an apply role can rewrite its own
 * environment's policies. What such a policy grants is capped by the permissions boundary every
 * principal of the environment carries, which the apply role must attach to each user it creates
 * (`iam:PermissionsBoundary`), may set only to that policy, and may never remove. IAM cannot
 * condition `AddUserToGroup` on the user either (it would hand a group's rewritable policies to
 * any user of the account, bounded or not): apply adds no one to a group; memberships are the
 * administrator's (bootstrap). The access plan reports every member and policy the toolkit did
 * not put there as `drift`, failing the plan.
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
  const users = scope.users.map((u) => userArn(accountId, u));
  const boundary = { 'iam:PermissionsBoundary': scope.boundaryArn };
  return [
    {
      Sid: 'CreateUsers',
      Effect: 'Allow',
      Action: 'iam:CreateUser',
      Resource: users,
      Condition: { ...createOrTag, StringEquals: { ...createOrTag.StringEquals, ...boundary } },
    },
    {
      Sid: 'TagUsers',
      Effect: 'Allow',
      Action: 'iam:TagUser',
      Resource: users,
      Condition: createOrTag,
    },
    {
      Sid: 'BoundUsers',
      Effect: 'Allow',
      Action: 'iam:PutUserPermissionsBoundary',
      Resource: users,
      Condition: {
        StringEquals: { [MANAGED_TAG]: MANAGED_BY_VALUE, [ENV_TAG]: owners, ...boundary },
      },
    },
    {
      // No principal without the boundary, none with another one, and no boundary removed.
      Sid: 'OnlyWithBoundary',
      Effect: 'Deny',
      Action: [
        'iam:CreateRole',
        'iam:CreateUser',
        'iam:PutRolePermissionsBoundary',
        'iam:PutUserPermissionsBoundary',
      ],
      Resource: '*',
      Condition: { StringNotEquals: boundary },
    },
    {
      Sid: 'KeepBoundaries',
      Effect: 'Deny',
      Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      Resource: '*',
    },
    { Sid: 'CreateGroups', Effect: 'Allow', Action: 'iam:CreateGroup', Resource: groups },
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
