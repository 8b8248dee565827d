import {
  GetGroupCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  type IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  type Tag,
} from '@aws-sdk/client-iam';
import { allPages as allPagesOf } from './pages.js';
import { awsErrorName } from '../errors.js';

/**
 * IAM as the access plan needs it: reads return plain data (tags as records, documents as
 * text as IAM returned it, `undefined` for "no such entity"). Account-wide listings are in
 * `iam-lists.ts`; writes are the step table of `iam-steps.ts`.
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
  /** ARN of the permissions boundary it carries, if any. */
  permissionsBoundary?: string | undefined;
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
  /** ARN of the permissions boundary it carries, if any. */
  permissionsBoundary?: string | undefined;
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
  const name = awsErrorName(error);
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

/** Follows IAM's Marker/IsTruncated pagination (the shared loop of pages.ts). */
export async function allPages<T>(
  page: (marker: string | undefined) => Promise<{
    items: T[];
    marker?: string | undefined;
    truncated?: boolean | undefined;
  }>,
  what = 'an IAM listing',
): Promise<T[]> {
  return allPagesOf(async (marker) => {
    const result = await page(marker);
    return { items: result.items, truncated: result.truncated, nextMarker: result.marker };
  }, what);
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
    return {
      name,
      arn: User?.Arn ?? '',
      path: User?.Path ?? '/',
      tags: tagsToRecord(tags),
      permissionsBoundary: User?.PermissionsBoundary?.PermissionsBoundaryArn,
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
      permissionsBoundary: Role?.PermissionsBoundary?.PermissionsBoundaryArn,
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
