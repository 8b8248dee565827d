import {
  AddClientIDToOpenIDConnectProviderCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteUserCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsForUserCommand,
  ListGroupsCommand,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRoleTagsCommand,
  ListRolesCommand,
  ListUserTagsCommand,
  ListUsersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  RemoveUserFromGroupCommand,
  TagOpenIDConnectProviderCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  type Tag,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';

/**
 * IAM as the access plan needs it: reads return plain data (tags as records, documents as
 * text as IAM returned it, `undefined` for "no such entity"); writes are one SDK call each.
 */

export type Tags = Record<string, string>;
export type PrincipalKind = 'user' | 'group' | 'role';
export interface PrincipalRef {
  kind: PrincipalKind;
  name: string;
}

export interface IamUser {
  name: string;
  arn: string;
  path: string;
  tags: Tags;
}
export interface IamGroup {
  name: string;
  arn: string;
  path: string;
  members: string[];
}
export interface IamPolicyVersion {
  versionId: string;
  isDefault: boolean;
  created: Date | undefined;
}
export interface IamPolicy {
  arn: string;
  name: string;
  tags: Tags;
  defaultVersionId: string;
  /** The default version's document, as IAM returned it (URL-encoded on real IAM). */
  document: string;
  versions: IamPolicyVersion[];
}
export interface IamRole {
  name: string;
  arn: string;
  path: string;
  tags: Tags;
  description: string | undefined;
  maxSessionDuration: number | undefined;
  /** As IAM returned it (URL-encoded on real IAM). */
  trustPolicy: string;
}
export interface IamOidcProvider {
  arn: string;
  /** Without the scheme, as IAM stores it: `token.actions.githubusercontent.com`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tags;
}

export function tagsToRecord(tags: Tag[] | undefined): Tags {
  const out: Tags = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function recordToTags(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function isNoSuchEntity(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity';
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

/** Follows IAM's Marker/IsTruncated pagination. */
async function allPages<T>(
  page: (
    marker: string | undefined,
  ) => Promise<{ items: T[]; marker?: string; truncated?: boolean }>,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const result = await page(marker);
    out.push(...result.items);
    marker = result.truncated ? result.marker : undefined;
  } while (marker);
  return out;
}

export function policyArn(accountId: string, name: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:policy${path}${name}`;
}

export function oidcProviderArn(accountId: string, url: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
}

// ---- reads ----

export async function getUser(iam: IAMClient, name: string): Promise<IamUser | undefined> {
  return orUndefined(async () => {
    const { User } = await iam.send(new GetUserCommand({ UserName: name }));
    const tags = await allPages(async (Marker) => {
      const r = await iam.send(new ListUserTagsCommand({ UserName: name, Marker }));
      return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
    });
    return { name, arn: User?.Arn ?? '', path: User?.Path ?? '/', tags: tagsToRecord(tags) };
  });
}

export async function listUserNames(iam: IAMClient): Promise<string[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListUsersCommand({ Marker }));
    return {
      items: (r.Users ?? []).map((u) => u.UserName ?? ''),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

export async function getGroup(iam: IAMClient, name: string): Promise<IamGroup | undefined> {
  return orUndefined(async () => {
    let group: IamGroup | undefined;
    const members = await allPages(async (Marker) => {
      const r = await iam.send(new GetGroupCommand({ GroupName: name, Marker }));
      group ??= { name, arn: r.Group?.Arn ?? '', path: r.Group?.Path ?? '/', members: [] };
      return {
        items: (r.Users ?? []).map((u) => u.UserName ?? ''),
        marker: r.Marker,
        truncated: r.IsTruncated,
      };
    });
    return { ...group!, members };
  });
}

export async function listGroups(
  iam: IAMClient,
  pathPrefix?: string,
): Promise<Array<{ name: string; path: string }>> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListGroupsCommand({ Marker, PathPrefix: pathPrefix }));
    return {
      items: (r.Groups ?? []).map((g) => ({ name: g.GroupName ?? '', path: g.Path ?? '/' })),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

export async function getPolicy(iam: IAMClient, arn: string): Promise<IamPolicy | undefined> {
  return orUndefined(async () => {
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    const defaultVersionId = Policy?.DefaultVersionId ?? '';
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersionId }),
    );
    const versions = await allPages(async (Marker) => {
      const r = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn, Marker }));
      return {
        items: (r.Versions ?? []).map((v) => ({
          versionId: v.VersionId ?? '',
          isDefault: v.IsDefaultVersion ?? false,
          created: v.CreateDate,
        })),
        marker: r.Marker,
        truncated: r.IsTruncated,
      };
    });
    const tags = await allPages(async (Marker) => {
      const r = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn, Marker }));
      return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
    });
    return {
      arn,
      name: Policy?.PolicyName ?? '',
      tags: tagsToRecord(tags),
      defaultVersionId,
      document: PolicyVersion?.Document ?? '',
      versions,
    };
  });
}

/** Customer-managed policies of the account (`Scope: Local`). */
export async function listLocalPolicyArns(iam: IAMClient): Promise<string[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListPoliciesCommand({ Scope: 'Local', Marker }));
    return {
      items: (r.Policies ?? []).map((p) => p.Arn ?? ''),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

export async function listPolicyTags(iam: IAMClient, arn: string): Promise<Tags> {
  const tags = await allPages(async (Marker) => {
    const r = await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn, Marker }));
    return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
  });
  return tagsToRecord(tags);
}

/** A policy's tags; undefined if the policy is gone. */
export async function findPolicyTags(iam: IAMClient, arn: string): Promise<Tags | undefined> {
  return orUndefined(() => listPolicyTags(iam, arn));
}

/** ARNs of the managed policies attached to a principal; undefined if the principal is gone. */
export async function listAttachedPolicyArns(
  iam: IAMClient,
  principal: PrincipalRef,
): Promise<string[] | undefined> {
  return orUndefined(() =>
    allPages(async (Marker) => {
      const r =
        principal.kind === 'user'
          ? await iam.send(
              new ListAttachedUserPoliciesCommand({ UserName: principal.name, Marker }),
            )
          : principal.kind === 'group'
            ? await iam.send(
                new ListAttachedGroupPoliciesCommand({ GroupName: principal.name, Marker }),
              )
            : await iam.send(
                new ListAttachedRolePoliciesCommand({ RoleName: principal.name, Marker }),
              );
      return {
        items: (r.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''),
        marker: r.Marker,
        truncated: r.IsTruncated,
      };
    }),
  );
}

export async function getRole(iam: IAMClient, name: string): Promise<IamRole | undefined> {
  return orUndefined(async () => {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
    const tags = await allPages(async (Marker) => {
      const r = await iam.send(new ListRoleTagsCommand({ RoleName: name, Marker }));
      return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
    });
    return {
      name,
      arn: Role?.Arn ?? '',
      path: Role?.Path ?? '/',
      tags: tagsToRecord(tags),
      description: Role?.Description || undefined,
      maxSessionDuration: Role?.MaxSessionDuration,
      trustPolicy: Role?.AssumeRolePolicyDocument ?? '',
    };
  });
}

export async function listRoleNames(iam: IAMClient): Promise<string[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListRolesCommand({ Marker }));
    return {
      items: (r.Roles ?? []).map((x) => x.RoleName ?? ''),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

export async function getOidcProvider(
  iam: IAMClient,
  arn: string,
): Promise<IamOidcProvider | undefined> {
  return orUndefined(async () => {
    const r = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );
    return {
      arn,
      url: (r.Url ?? '').replace(/^https:\/\//, ''),
      clientIds: r.ClientIDList ?? [],
      thumbprints: r.ThumbprintList ?? [],
      tags: tagsToRecord(r.Tags),
    };
  });
}

export async function listOidcProviderArns(iam: IAMClient): Promise<string[]> {
  const r = await iam.send(new ListOpenIDConnectProvidersCommand({}));
  return (r.OpenIDConnectProviderList ?? []).map((p) => p.Arn ?? '');
}

export async function listAccessKeyIds(iam: IAMClient, user: string): Promise<string[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListAccessKeysCommand({ UserName: user, Marker }));
    return {
      items: (r.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? ''),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

export async function listGroupsForUser(iam: IAMClient, user: string): Promise<string[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListGroupsForUserCommand({ UserName: user, Marker }));
    return {
      items: (r.Groups ?? []).map((g) => g.GroupName ?? ''),
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

/** Every user, group and role a policy is attached to. */
export async function listPolicyEntities(iam: IAMClient, arn: string): Promise<PrincipalRef[]> {
  return allPages(async (Marker) => {
    const r = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, Marker }));
    return {
      items: [
        ...(r.PolicyUsers ?? []).map((u) => ({ kind: 'user' as const, name: u.UserName ?? '' })),
        ...(r.PolicyGroups ?? []).map((g) => ({ kind: 'group' as const, name: g.GroupName ?? '' })),
        ...(r.PolicyRoles ?? []).map((x) => ({ kind: 'role' as const, name: x.RoleName ?? '' })),
      ],
      marker: r.Marker,
      truncated: r.IsTruncated,
    };
  });
}

// ---- writes ----

export async function createUser(
  iam: IAMClient,
  name: string,
  tags: Tags,
  path = '/',
): Promise<void> {
  await iam.send(new CreateUserCommand({ UserName: name, Path: path, Tags: recordToTags(tags) }));
}

export async function tagUser(iam: IAMClient, name: string, tags: Tags): Promise<void> {
  await iam.send(new TagUserCommand({ UserName: name, Tags: recordToTags(tags) }));
}

export async function deleteUser(iam: IAMClient, name: string): Promise<void> {
  await iam.send(new DeleteUserCommand({ UserName: name }));
}

export async function createGroup(iam: IAMClient, name: string, path: string): Promise<void> {
  await iam.send(new CreateGroupCommand({ GroupName: name, Path: path }));
}

export async function deleteGroup(iam: IAMClient, name: string): Promise<void> {
  await iam.send(new DeleteGroupCommand({ GroupName: name }));
}

export async function addUserToGroup(iam: IAMClient, user: string, group: string): Promise<void> {
  await iam.send(new AddUserToGroupCommand({ UserName: user, GroupName: group }));
}

export async function removeUserFromGroup(
  iam: IAMClient,
  user: string,
  group: string,
): Promise<void> {
  await iam.send(new RemoveUserFromGroupCommand({ UserName: user, GroupName: group }));
}

export async function createPolicy(
  iam: IAMClient,
  input: { name: string; path: string; description?: string; document: string; tags: Tags },
): Promise<void> {
  await iam.send(
    new CreatePolicyCommand({
      PolicyName: input.name,
      Path: input.path,
      Description: input.description,
      PolicyDocument: input.document,
      Tags: recordToTags(input.tags),
    }),
  );
}

export async function createDefaultPolicyVersion(
  iam: IAMClient,
  arn: string,
  document: string,
): Promise<void> {
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: arn,
      PolicyDocument: document,
      SetAsDefault: true,
    }),
  );
}

export async function deletePolicyVersion(
  iam: IAMClient,
  arn: string,
  versionId: string,
): Promise<void> {
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
}

export async function tagPolicy(iam: IAMClient, arn: string, tags: Tags): Promise<void> {
  await iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: recordToTags(tags) }));
}

export async function deletePolicy(iam: IAMClient, arn: string): Promise<void> {
  await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
}

export async function attachPolicy(
  iam: IAMClient,
  principal: PrincipalRef,
  arn: string,
): Promise<void> {
  if (principal.kind === 'user') {
    await iam.send(new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }));
  } else if (principal.kind === 'group') {
    await iam.send(new AttachGroupPolicyCommand({ GroupName: principal.name, PolicyArn: arn }));
  } else {
    await iam.send(new AttachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn }));
  }
}

export async function detachPolicy(
  iam: IAMClient,
  principal: PrincipalRef,
  arn: string,
): Promise<void> {
  if (principal.kind === 'user') {
    await iam.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: arn }));
  } else if (principal.kind === 'group') {
    await iam.send(new DetachGroupPolicyCommand({ GroupName: principal.name, PolicyArn: arn }));
  } else {
    await iam.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: arn }));
  }
}

export async function createRole(
  iam: IAMClient,
  input: {
    name: string;
    path: string;
    trustPolicy: string;
    description?: string;
    maxSessionDuration?: number;
    tags: Tags;
  },
): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: input.name,
      Path: input.path,
      AssumeRolePolicyDocument: input.trustPolicy,
      Description: input.description,
      MaxSessionDuration: input.maxSessionDuration,
      Tags: recordToTags(input.tags),
    }),
  );
}

export async function updateTrustPolicy(
  iam: IAMClient,
  name: string,
  trustPolicy: string,
): Promise<void> {
  await iam.send(
    new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustPolicy }),
  );
}

export async function updateRole(
  iam: IAMClient,
  name: string,
  input: { description?: string; maxSessionDuration?: number },
): Promise<void> {
  await iam.send(
    new UpdateRoleCommand({
      RoleName: name,
      Description: input.description,
      MaxSessionDuration: input.maxSessionDuration,
    }),
  );
}

export async function tagRole(iam: IAMClient, name: string, tags: Tags): Promise<void> {
  await iam.send(new TagRoleCommand({ RoleName: name, Tags: recordToTags(tags) }));
}

export async function deleteRole(iam: IAMClient, name: string): Promise<void> {
  await iam.send(new DeleteRoleCommand({ RoleName: name }));
}

export async function createOidcProvider(
  iam: IAMClient,
  input: { url: string; clientIds: string[]; thumbprints: string[]; tags: Tags },
): Promise<void> {
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: input.url,
      ClientIDList: input.clientIds,
      ThumbprintList: input.thumbprints,
      Tags: recordToTags(input.tags),
    }),
  );
}

export async function addOidcClientId(
  iam: IAMClient,
  arn: string,
  clientId: string,
): Promise<void> {
  await iam.send(
    new AddClientIDToOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      ClientID: clientId,
    }),
  );
}

export async function removeOidcClientId(
  iam: IAMClient,
  arn: string,
  clientId: string,
): Promise<void> {
  await iam.send(
    new RemoveClientIDFromOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      ClientID: clientId,
    }),
  );
}

export async function updateOidcThumbprints(
  iam: IAMClient,
  arn: string,
  thumbprints: string[],
): Promise<void> {
  await iam.send(
    new UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: arn,
      ThumbprintList: thumbprints,
    }),
  );
}

export async function tagOidcProvider(iam: IAMClient, arn: string, tags: Tags): Promise<void> {
  await iam.send(
    new TagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: arn,
      Tags: recordToTags(tags),
    }),
  );
}

export async function deleteOidcProvider(iam: IAMClient, arn: string): Promise<void> {
  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
}

/** The new key pair. The secret goes straight to Secrets Manager; never log or return it further. */
export async function createAccessKey(
  iam: IAMClient,
  user: string,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey) {
    throw new Error(`IAM CreateAccessKey for ${user} returned no key`);
  }
  return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
}

export async function deleteAccessKey(
  iam: IAMClient,
  user: string,
  accessKeyId: string,
): Promise<void> {
  await iam.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: accessKeyId }));
}
