import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as iam from './iam.js';
import * as lists from './iam-lists.js';
import type {
  IamGroup,
  IamOidcProvider,
  IamPolicy,
  IamRole,
  IamUser,
  PrincipalRef,
  Tags,
} from './iam.js';
import { accessKeySecretExists } from './iam-access-keys.js';
import { listInlinePolicyNames } from './iam-inline.js';
import { mapLimited } from '../pool.js';

/**
 * What IAM holds, read for one access plan: every resource the environment wants (by name or
 * ARN), and the leftovers — resources in the account marked as ours for this environment that
 * it no longer wants. Only reads; the plan decides from this data alone.
 */
export interface IamState {
  users: Record<string, IamUser | undefined>;
  groups: Record<string, IamGroup | undefined>;
  /** By ARN. */
  policies: Record<string, IamPolicy | undefined>;
  roles: Record<string, IamRole | undefined>;
  oidcProvider: IamOidcProvider | undefined;
  /** Managed policy ARNs attached to each wanted principal that exists, by `principalKey`. */
  attached: Record<string, string[]>;
  /**
   * Tags of the customer-managed policies in `attached` that the inventory does not name (by
   * ARN; undefined when the policy is gone). AWS-managed policies are never read: never ours.
   */
  attachedPolicyTags: Record<string, Tags | undefined>;
  /** Inline policy names of each wanted principal that exists, by `principalKey`. */
  inline: Record<string, string[]>;
  /** Access key ids per user asked to have a stored key, and whether its secret exists. */
  accessKeys: Record<string, { keyIds: string[]; secretExists: boolean }>;
  leftovers: IamLeftovers;
}

export interface IamLeftovers {
  users: Array<{ user: IamUser; groups: string[]; attached: string[]; accessKeys: string[] }>;
  groups: Array<{ group: IamGroup; attached: string[] }>;
  policies: Array<{ policy: IamPolicy; entities: PrincipalRef[] }>;
  roles: Array<{ role: IamRole; attached: string[] }>;
  oidcProviders: IamOidcProvider[];
}

export interface IamStateQuery {
  users: string[];
  groups: string[];
  policyArns: string[];
  roles: string[];
  oidcProviderArn?: string | undefined;
  /** Principals whose attachments are compared (the wanted ones). */
  principals: PrincipalRef[];
  /** Users whose access key and its secret are checked, with the secret's name. */
  accessKeys: Array<{ user: string; secretName: string }>;
  /** A resource is a leftover when it is not wanted and `isOurs(tags)` says it belongs here. */
  isOurs: (tags: Tags) => boolean;
  /** Groups cannot carry tags: the ones under this path are ours. */
  managedGroupPath: string;
}

/** Policies AWS owns (`arn:aws:iam::aws:policy/…`): never the toolkit's. */
export const isAwsManagedPolicy = (arn: string) => /^arn:[^:]+:iam::aws:policy\//.test(arn);

export const principalKey = (p: PrincipalRef) => `${p.kind}:${p.name}`;

/** Reads run a few at a time (mapLimited): IAM throttles bursts, and moto is one process. */
async function byKey<T>(
  keys: string[],
  read: (key: string) => Promise<T>,
): Promise<Record<string, T>> {
  const values = await mapLimited(keys, 4, read);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] as T]));
}

export async function readIamState(
  clients: { iam: IAMClient; secrets: SecretsManagerClient },
  query: IamStateQuery,
): Promise<IamState> {
  const c = clients.iam;
  const users = await byKey(query.users, (name) => iam.getUser(c, name));
  const groups = await byKey(query.groups, (name) => iam.getGroup(c, name));
  const policies = await byKey(query.policyArns, (arn) => iam.getPolicy(c, arn));
  const roles = await byKey(query.roles, (name) => iam.getRole(c, name));
  const oidcProvider = query.oidcProviderArn
    ? await iam.getOidcProvider(c, query.oidcProviderArn)
    : undefined;

  const attachedLists = await mapLimited(query.principals, 4, (p) =>
    iam.listAttachedPolicyArns(c, p),
  );
  const attached: Record<string, string[]> = {};
  query.principals.forEach((p, i) => {
    const list = attachedLists[i];
    if (list) attached[principalKey(p)] = list;
  });

  const inlineLists = await mapLimited(query.principals, 4, (p) => listInlinePolicyNames(c, p));
  const inline: Record<string, string[]> = {};
  query.principals.forEach((p, i) => {
    const list = inlineLists[i];
    if (list) inline[principalKey(p)] = list;
  });

  const wantedPolicies = new Set(query.policyArns);
  const strayArns = [...new Set(Object.values(attached).flat())].filter(
    (arn) => !wantedPolicies.has(arn) && !isAwsManagedPolicy(arn),
  );
  const attachedPolicyTags = await byKey(strayArns, (arn) => iam.findPolicyTags(c, arn));

  const accessKeys: IamState['accessKeys'] = {};
  for (const { user, secretName } of query.accessKeys) {
    const keyIds = users[user] ? await lists.listAccessKeyIds(c, user) : [];
    accessKeys[user] = {
      keyIds,
      secretExists: await accessKeySecretExists(clients.secrets, secretName),
    };
  }

  return {
    users,
    groups,
    policies,
    roles,
    oidcProvider,
    attached,
    attachedPolicyTags,
    inline,
    accessKeys,
    leftovers: await readLeftovers(c, query),
  };
}

/**
 * Groups cannot carry tags, and every environment of an account creates its groups under the
 * same path, so the path alone does not say whose a group is. A group under the path is this
 * environment's only when it holds something and all it holds is: every member a user and every
 * attached policy tagged as ours. Another environment's group (its users are tagged for it) and
 * the shared `kms-admin` group are never taken; an empty group is nobody's and left alone.
 */
async function groupIsOurs(
  c: IAMClient,
  query: IamStateQuery,
  group: IamGroup,
  attached: string[],
): Promise<boolean> {
  if (group.members.length === 0 && attached.length === 0) return false;
  for (const user of group.members) {
    const found = await iam.getUser(c, user);
    if (!found || !query.isOurs(found.tags)) return false;
  }
  for (const arn of attached) {
    if (isAwsManagedPolicy(arn)) return false;
    const tags = await iam.findPolicyTags(c, arn);
    if (!tags || !query.isOurs(tags)) return false;
  }
  return true;
}

async function readLeftovers(c: IAMClient, query: IamStateQuery): Promise<IamLeftovers> {
  const wantedUsers = new Set(query.users);
  const userNames = (await lists.listUserNames(c)).filter((n) => !wantedUsers.has(n));
  const candidateUsers = (await mapLimited(userNames, 4, (n) => iam.getUser(c, n))).filter(
    (u): u is IamUser => u !== undefined && query.isOurs(u.tags),
  );
  const users = await mapLimited(candidateUsers, 4, async (user) => ({
    user,
    groups: await lists.listGroupsForUser(c, user.name),
    attached: (await iam.listAttachedPolicyArns(c, { kind: 'user', name: user.name })) ?? [],
    accessKeys: await lists.listAccessKeyIds(c, user.name),
  }));

  const wantedGroups = new Set(query.groups);
  const groupNames = (await lists.listGroups(c, query.managedGroupPath))
    .filter((g) => g.path === query.managedGroupPath && !wantedGroups.has(g.name))
    .map((g) => g.name);
  const groups = (
    await mapLimited(groupNames, 4, async (name) => {
      const group = await iam.getGroup(c, name);
      if (!group) return undefined;
      const attached = (await iam.listAttachedPolicyArns(c, { kind: 'group', name })) ?? [];
      return (await groupIsOurs(c, query, group, attached)) ? { group, attached } : undefined;
    })
  ).filter((g) => g !== undefined);

  const wantedPolicies = new Set(query.policyArns);
  const policyArns = (await lists.listLocalPolicyArns(c)).filter((arn) => !wantedPolicies.has(arn));
  const taggedPolicies = await mapLimited(policyArns, 4, async (arn) =>
    query.isOurs(await iam.listPolicyTags(c, arn)) ? arn : undefined,
  );
  const policies = (
    await mapLimited(
      taggedPolicies.filter((a) => a !== undefined),
      4,
      async (arn) => {
        const policy = await iam.getPolicy(c, arn);
        return policy ? { policy, entities: await lists.listPolicyEntities(c, arn) } : undefined;
      },
    )
  ).filter((p) => p !== undefined);

  const wantedRoles = new Set(query.roles);
  const roleNames = (await lists.listRoleNames(c)).filter((n) => !wantedRoles.has(n));
  const roles = (
    await mapLimited(roleNames, 4, async (name) => {
      const role = await iam.getRole(c, name);
      if (!role || !query.isOurs(role.tags)) return undefined;
      return {
        role,
        attached: (await iam.listAttachedPolicyArns(c, { kind: 'role', name })) ?? [],
      };
    })
  ).filter((r) => r !== undefined);

  const providerArns = (await lists.listOidcProviderArns(c)).filter(
    (arn) => arn !== query.oidcProviderArn,
  );
  const oidcProviders = (
    await mapLimited(providerArns, 4, (arn) => iam.getOidcProvider(c, arn))
  ).filter((p): p is IamOidcProvider => p !== undefined && query.isOurs(p.tags));

  return { users, groups, policies, roles, oidcProviders };
}
