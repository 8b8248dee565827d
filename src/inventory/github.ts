import {
  REPOSITORY_PATTERN,
  legacySubjectPrefix,
  subjectPrefixFor,
  type SubjectPrefix,
} from '../config/github-subject.js';
import type { EnvironmentName } from '../config/names.js';
import { errorMessage } from '../errors.js';
import { InventoryError } from './errors.js';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from './trust-policies.js';
import type { GithubRoleKind } from './types.js';

export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** GitHub's published intermediate thumbprints (IAM ignores them for GitHub; the API wants one). */
export const GITHUB_OIDC_THUMBPRINTS = [
  '6938fd4d98bab03faadb97b34396831e3780aea1',
  '1c58a3a8518e8759bf075b76b750d4f2df264fcd',
];
export { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST };

export const oidcProviderArn = (account: string) =>
  `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;

/** The GitHub environment whose jobs may sign with the bank. */
export const keymasterGithubEnvironment = (env: EnvironmentName) => `${env}-keymaster`;

/**
 * The one `sub` claim each role trusts (`repo:{o}/{r}` is the prefix: legacy, or immutable with
 * the owner's and repository's ids, see src/config/github-subject.ts).
 * - plan: `repo:{o}/{r}:pull_request` — jobs of pull requests of this repository (GitHub gives
 *   fork pull requests no token; a plan job must not name a GitHub environment, or its `sub`
 *   becomes `environment:…`).
 * - apply: `repo:{o}/{r}:environment:{env}` — only jobs that passed the GitHub environment's
 *   protection rules (required reviewers for production).
 * - keymaster: `repo:{o}/{r}:environment:{env}-keymaster`. An environment rather than
 *   `ref:refs/heads/main` so the RPC secrets live with it and its deployment-branch rule (set it
 *   to `main`) applies; it must not require reviewers, or scheduled runs wait forever.
 */
export function githubSubject(
  repository: string,
  env: EnvironmentName,
  kind: GithubRoleKind,
  prefix = legacySubjectPrefix(repository),
) {
  switch (kind) {
    case 'plan':
      return `${prefix}:pull_request`;
    case 'apply':
      return `${prefix}:environment:${env}`;
    case 'keymaster':
      return `${prefix}:environment:${keymasterGithubEnvironment(env)}`;
  }
}

/**
 * The `sub` prefix the roles trust: the file's `github.subjectPrefix` (legacy or immutable, as
 * GitHub issues it to the repository), else the legacy `repo:{owner}/{name}`.
 */
export function githubSubjectPrefix(
  repository: string,
  stated: string | undefined,
  source: string,
): SubjectPrefix {
  try {
    return subjectPrefixFor(repository, stated);
  } catch (error) {
    throw new InventoryError(
      `github.subjectPrefix (from ${source}): ${errorMessage(error)}. Fix github.subjectPrefix in the environment file.`,
    );
  }
}

/**
 * Every `sub` a role trusts. The plan role also trusts pushes to `main`: the apply workflow's
 * ungated plan jobs plan the commit being applied with it (read-only), so reviewers read the
 * plan before they approve the gated job.
 */
export function githubSubjects(
  repository: string,
  env: EnvironmentName,
  kind: GithubRoleKind,
  prefix = legacySubjectPrefix(repository),
): string[] {
  const subject = githubSubject(repository, env, kind, prefix);
  return kind === 'plan' ? [subject, `${prefix}:ref:refs/heads/main`] : [subject];
}

/** `owner/name` as GitHub allows it; anything else would make a trust policy match nothing. */
export function checkRepository(repository: string, source: string): string {
  if (!REPOSITORY_PATTERN.test(repository)) {
    throw new InventoryError(
      `GitHub repository "${repository}" (from ${source}) is not "owner/name". Fix github.repository in the environment file.`,
    );
  }
  return repository;
}
