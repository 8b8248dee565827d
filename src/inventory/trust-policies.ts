import type { PolicyDocument, PolicyStatement } from './types.js';

/** Trust policies: who may assume the toolkit's roles (GitHub Actions through OIDC, EKS pods). */

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** Trust for one GitHub subject (or a few), with the audience pinned too. */
export function githubTrustPolicyDocument(
  providerArn: string,
  subject: string | string[],
): PolicyDocument {
  const statement: PolicyStatement = {
    Sid: 'GithubActionsOidc',
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
        [`${GITHUB_OIDC_HOST}:sub`]: subject,
      },
    },
  };
  return { Version: '2012-10-17', Statement: [statement] };
}

/** The ServiceAccount of `keymaster serve` (see src/keymaster/deploy/labels.ts). */
export const KEYMASTER_SERVICE_ACCOUNT = 'nomad-keymaster';

/**
 * IRSA: pods of an EKS cluster running as the Keymaster's ServiceAccount may assume the role.
 * The cluster's OIDC provider must exist in the account (`eksctl utils associate-iam-oidc-provider`).
 */
export function eksTrustStatement(
  accountId: string,
  eks: { oidcIssuer: string; namespace: string },
): PolicyStatement {
  const host = eks.oidcIssuer.replace(/^https:\/\//, '');
  return {
    Sid: 'EksServiceAccount',
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${host}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${host}:aud`]: 'sts.amazonaws.com',
        [`${host}:sub`]: `system:serviceaccount:${eks.namespace}:${KEYMASTER_SERVICE_ACCOUNT}`,
      },
    },
  };
}
