import type { ResolvedEnvironment } from '../config/model.js';
import {
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_THUMBPRINTS,
  GITHUB_OIDC_URL,
  githubSubject,
  githubSubjectPrefix,
  githubSubjects,
  oidcProviderArn,
} from './github.js';
import { checkIamName, githubRoleName, roleArn } from './names.js';
import { checkPolicySize } from './policies.js';
import { eksTrustStatement, githubTrustPolicyDocument } from './trust-policies.js';
import type {
  GithubOidcSpec,
  GithubRoleKind,
  GithubRoleSpec,
  ManagedPolicySpec,
  PolicyDocument,
} from './types.js';

const GITHUB_ROLE_KINDS: GithubRoleKind[] = ['plan', 'apply', 'keymaster'];

/**
 * The GitHub OIDC provider and the plan, apply and keymaster roles of one repository, each
 * trusting only its own `sub` claim, with its managed policies attached through `attach`.
 */
export function githubOidcFor(
  env: ResolvedEnvironment,
  repository: string,
  input: {
    permissions: Record<GithubRoleKind, ManagedPolicySpec[]>;
    attach: (policy: ManagedPolicySpec, kind: 'role', name: string) => unknown;
    tags: Record<string, string>;
    accountTags: Record<string, string>;
    /** The permissions boundary of each role that carries one (the Keymaster's). */
    boundaries?: Partial<Record<GithubRoleKind, string>>;
  },
): GithubOidcSpec {
  const { accountId } = env.aws;
  const { permissions, attach, tags, accountTags } = input;
  const subjectPrefix = githubSubjectPrefix(
    repository,
    env.github.subjectPrefix,
    `${env.source} github.subjectPrefix`,
  );
  const providerArn = oidcProviderArn(accountId);
  const roles = GITHUB_ROLE_KINDS.map((kind): GithubRoleSpec => {
    const name = checkIamName('role', githubRoleName(env.name, kind));
    const subject = githubSubject(repository, env.name, kind, subjectPrefix.prefix);
    const subjects = githubSubjects(repository, env.name, kind, subjectPrefix.prefix);
    for (const policy of permissions[kind]) attach(policy, 'role', name);
    return {
      kind,
      name,
      arn: roleArn(accountId, name),
      description: `GitHub Actions ${kind} for ${env.name} (${subject})`,
      subject,
      trustPolicy: checkPolicySize(
        name,
        withEksTrust(
          githubTrustPolicyDocument(providerArn, subjects.length === 1 ? subject : subjects),
          kind === 'keymaster' ? env.keymaster.eks : undefined,
          accountId,
        ),
        'trust',
      ),
      maxSessionDurationSeconds: 3600,
      tags,
      ...(input.boundaries?.[kind] ? { permissionsBoundary: input.boundaries[kind] } : {}),
      bootstrap: true,
    };
  });
  return {
    repository,
    subjectPrefix: subjectPrefix.prefix,
    subjectFormat: subjectPrefix.format,
    provider: {
      url: GITHUB_OIDC_URL,
      arn: providerArn,
      clientIds: [GITHUB_OIDC_AUDIENCE],
      thumbprints: GITHUB_OIDC_THUMBPRINTS,
      tags: accountTags,
      bootstrap: true,
    },
    roles,
  };
}

/** The Keymaster role also trusts the EKS cluster's ServiceAccount when the file names a cluster. */
function withEksTrust(
  document: PolicyDocument,
  eks: { oidcIssuer: string; namespace: string } | undefined,
  accountId: string,
): PolicyDocument {
  if (!eks) return document;
  return { ...document, Statement: [...document.Statement, eksTrustStatement(accountId, eks)] };
}
