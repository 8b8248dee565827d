/**
 * The prefix of the OIDC `sub` claims GitHub issues to a repository's jobs, in its two formats:
 *
 * - legacy: `repo:{owner}/{name}` — names only; repositories created before 2026-06-18 that did
 *   not opt in.
 * - immutable: the owner's and the repository's numeric ids appended to their names, so a deleted
 *   or renamed repository's name, claimed again by someone else, never matches. GitHub's changelog
 *   (2026-04-23) writes it `repo:octocat-123456/my-repo-456789`; the repositories' OIDC settings
 *   (`sub_claim_prefix` of `GET /repos/{owner}/{repo}/actions/oidc/customization/sub`) report it
 *   with `@`: `repo:octocat@123456/my-repo@456789`. Both spellings are accepted here; the
 *   environment file states the one its repository reports, and the trust policies use it as is.
 *
 * Pure: the config layer validates with it, the inventory renders with it, `github check`
 * compares with it.
 */

import { ConfigError } from './errors.js';

export type SubjectFormat = 'legacy' | 'immutable';

export interface SubjectPrefix {
  prefix: string;
  format: SubjectFormat;
  /** Numeric ids, for the immutable format. */
  ownerId?: string;
  repositoryId?: string;
}

/** Characters GitHub allows in owner and repository names; never a wildcard or a colon. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID = '([1-9][0-9]{0,19})';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `owner/name` as GitHub allows it (owner: letters, digits, `-`, at most 39; name: letters,
 * digits, `_ . -`, at most 100, never `.` or `..`): anything else would make a trust policy match
 * nothing, or a path leave the repository. The file's `github.repository` and the inventory's
 * `checkRepository` share it.
 */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9-]{1,39}\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;

export const legacySubjectPrefix = (repository: string) => `repo:${repository}`;

/** What an immutable prefix for `repository` looks like, for messages. */
export const immutableSubjectExample = (repository: string) => {
  const [owner, name] = repository.split('/');
  return `repo:${owner}@<owner id>/${name}@<repository id>`;
};

/**
 * Which format `prefix` is for `owner/name`, or undefined when it names another repository or is
 * malformed. Names compare exactly: IAM's StringEquals is case-sensitive and GitHub spells the
 * names in the claim as the repository does.
 */
export function classifySubjectPrefix(
  prefix: string,
  repository: string,
): SubjectPrefix | undefined {
  const [owner, name, ...rest] = repository.split('/');
  if (!owner || !name || rest.length > 0 || !NAME.test(owner) || !NAME.test(name)) return undefined;
  if (prefix === legacySubjectPrefix(repository)) return { prefix, format: 'legacy' };
  const immutable = new RegExp(
    `^repo:${escape(owner)}([-@])${ID}/${escape(name)}([-@])${ID}$`,
  ).exec(prefix);
  const [, ownerSeparator, ownerId, repositorySeparator, repositoryId] = immutable ?? [];
  if (!ownerId || !repositoryId || ownerSeparator !== repositorySeparator) return undefined;
  return { prefix, format: 'immutable', ownerId, repositoryId };
}

/**
 * The prefix the trust policies use: the file's `github.subjectPrefix`, else the legacy form.
 * Throws with what to fix when the stated prefix does not belong to the repository.
 */
export function subjectPrefixFor(repository: string, stated?: string): SubjectPrefix {
  if (stated === undefined) return { prefix: legacySubjectPrefix(repository), format: 'legacy' };
  const parsed = classifySubjectPrefix(stated, repository);
  if (!parsed) throw new ConfigError(subjectPrefixMismatch(stated, repository));
  return parsed;
}

export const subjectPrefixMismatch = (stated: string, repository: string) =>
  `"${stated}" is not an OIDC subject prefix of ${repository}: expected "${legacySubjectPrefix(repository)}" (legacy) or "${immutableSubjectExample(repository)}" (immutable), as GitHub reports it in sub_claim_prefix of GET /repos/${repository}/actions/oidc/customization/sub`;
