import { getOctokit } from '@actions/github';
import { InputError } from '../errors.js';

export type GithubClient = ReturnType<typeof getOctokit>;

/**
 * An Octokit for the REST API at `apiUrl` (the runner sets `GITHUB_API_URL`; GitHub Enterprise
 * and the tests' local server use other bases than api.github.com).
 */
export function githubClient(token: string, apiUrl = process.env.GITHUB_API_URL): GithubClient {
  if (!token) {
    throw new InputError(
      'no GitHub token: pass github-token (the default is the job token, github.token)',
    );
  }
  return getOctokit(token, apiUrl ? { baseUrl: apiUrl.replace(/\/+$/, '') } : {});
}

/** `owner/name` from GITHUB_REPOSITORY. */
export function repositoryOf(value: string | undefined): { owner: string; repo: string } {
  const [owner, repo, ...rest] = (value ?? '').split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new InputError(
      `GITHUB_REPOSITORY is "${value ?? ''}", expected "owner/name"; run this inside a GitHub workflow`,
    );
  }
  return { owner, repo };
}

/** The HTTP status of an Octokit request error, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * A write refused for want of permission: fork pull requests get a read-only token (403), and
 * GitHub answers 404 rather than 403 to some tokens that may not see a resource.
 */
export function isWriteDenied(error: unknown): boolean {
  const status = httpStatus(error);
  return status === 403 || status === 404;
}
