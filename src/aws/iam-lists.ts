import {
  type IAMClient,
  ListAccessKeysCommand,
  ListEntitiesForPolicyCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListRolesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { type PrincipalRef, allPages } from './iam.js';

/**
 * Account-wide listings, for the search of leftovers (resources marked as the toolkit's that the
 * inventory no longer names) and of what hangs off them.
 */

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
