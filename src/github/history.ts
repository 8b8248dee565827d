import { OperationError } from '../errors.js';
import { httpStatus, type GithubClient } from './client.js';
import { coAuthorsOf } from './co-authors.js';
import type { GithubPerson } from './person.js';

/**
 * The people behind a deployment, read through the REST API (GETs only): who approved a run's
 * deployment, and who authored, committed, opened and merged each commit of a range. The
 * decision over them is pure (src/report/self-approval.ts). Any read that fails stops the run:
 * the check fails closed.
 */

/** One approval of `GET /repos/{o}/{r}/actions/runs/{run_id}/approvals`. */
export interface RunApproval {
  user: GithubPerson;
  state: string;
  environments: string[];
}

export interface PullPeople {
  number: number;
  /** Who opened it. */
  author?: GithubPerson;
  /** Who merged it (`merged_by` of `GET /repos/{o}/{r}/pulls/{n}`). */
  mergedBy?: GithubPerson;
}

export interface CommitPeople {
  sha: string;
  /** The first line of the message. */
  subject: string;
  /** The git identity, with the GitHub account GitHub attributes it to when there is one. */
  author: GithubPerson;
  committer: GithubPerson;
  /** People credited in `Co-authored-by:` trailers (src/github/co-authors.ts). */
  coAuthors: GithubPerson[];
  /** The merged pull requests GitHub associates with the commit. */
  pulls: PullPeople[];
}

export interface ChangeHistory {
  /** The commit the range starts after; null when none was recorded. */
  base: string | null;
  /** false when a base was given but GitHub does not know it (the whole history is read). */
  baseFound: boolean;
  head: string;
  commits: CommitPeople[];
}

type Repo = { owner: string; repo: string };

interface RestUser {
  login?: string;
  id?: number;
}
interface RestCommit {
  sha: string;
  commit: {
    message?: string;
    author?: { name?: string; email?: string } | null;
    committer?: { name?: string; email?: string } | null;
  };
  author?: RestUser | null;
  committer?: RestUser | null;
}
interface RestPullSummary {
  number: number;
  merged_at?: string | null;
  user?: RestUser | null;
}

const PER_PAGE = 100;

export async function readRunApprovals(
  client: GithubClient,
  repo: Repo,
  runId: number,
): Promise<RunApproval[]> {
  const data = await get(
    'the approvals of this run (the job needs `actions: read`)',
    async () =>
      (
        await client.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals', {
          ...repo,
          run_id: runId,
        })
      ).data as unknown as Array<{
        state?: string;
        user?: RestUser | null;
        environments?: Array<{ name?: string }>;
      }>,
  );
  return data.map((a) => ({
    user: person(a.user),
    state: a.state ?? '',
    environments: (a.environments ?? []).map((e) => e.name ?? ''),
  }));
}

/**
 * The commits after `base` up to `head` (`compare/{base}...{head}`, every page), or, when no base
 * is recorded or GitHub does not know it, every commit reachable from `head`. Each with its
 * merged pull requests and who merged them.
 */
export async function readChangeHistory(
  client: GithubClient,
  repo: Repo,
  range: { base: string | null; head: string },
): Promise<ChangeHistory> {
  let commits = range.base ? await compareCommits(client, repo, range.base, range.head) : undefined;
  const baseFound = range.base === null || commits !== undefined;
  commits ??= await allCommits(client, repo, range.head);
  const pulls = new Map<number, Promise<PullPeople>>();
  const people: CommitPeople[] = [];
  for (const commit of commits) {
    const associated = await get(`the pull requests of commit ${commit.sha}`, async () =>
      client.paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
        ...repo,
        commit_sha: commit.sha,
        per_page: PER_PAGE,
      }),
    );
    const merged = (associated as RestPullSummary[]).filter((p) => p.merged_at);
    for (const p of merged) {
      if (!pulls.has(p.number)) pulls.set(p.number, readPull(client, repo, p));
    }
    people.push({
      sha: commit.sha,
      subject: (commit.commit.message ?? '').split('\n')[0] ?? '',
      author: person(commit.author, commit.commit.author),
      committer: person(commit.committer, commit.commit.committer),
      coAuthors: coAuthorsOf(commit.commit.message ?? ''),
      pulls: await Promise.all(merged.map((p) => pulls.get(p.number)!)),
    });
  }
  return { base: range.base, baseFound, head: range.head, commits: people };
}

async function compareCommits(
  client: GithubClient,
  repo: Repo,
  base: string,
  head: string,
): Promise<RestCommit[] | undefined> {
  const commits: RestCommit[] = [];
  for (let page = 1; ; page++) {
    const data = await get(
      `the commits from ${base.slice(0, 7)} to ${head.slice(0, 7)}`,
      async () =>
        (
          await client.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
            ...repo,
            basehead: `${base}...${head}`,
            per_page: PER_PAGE,
            page,
          })
        ).data as unknown as { total_commits: number; commits: RestCommit[] },
      { missing: true },
    );
    if (data === undefined) return undefined;
    commits.push(...data.commits);
    if (data.commits.length === 0 || commits.length >= data.total_commits) return commits;
  }
}

async function allCommits(client: GithubClient, repo: Repo, head: string): Promise<RestCommit[]> {
  return await get(`the history up to ${head.slice(0, 7)}`, async () =>
    client.paginate('GET /repos/{owner}/{repo}/commits', {
      ...repo,
      sha: head,
      per_page: PER_PAGE,
    }),
  );
}

async function readPull(
  client: GithubClient,
  repo: Repo,
  summary: RestPullSummary,
): Promise<PullPeople> {
  const pull = await get(
    `pull request #${summary.number}`,
    async () =>
      (
        await client.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          ...repo,
          pull_number: summary.number,
        })
      ).data as unknown as { user?: RestUser | null; merged_by?: RestUser | null },
  );
  return {
    number: summary.number,
    ...(pull.user ? { author: person(pull.user) } : {}),
    ...(pull.merged_by ? { mergedBy: person(pull.merged_by) } : {}),
  };
}

function person(
  account: RestUser | null | undefined,
  identity?: { name?: string; email?: string } | null,
): GithubPerson {
  return {
    ...(account?.login ? { login: account.login } : {}),
    ...(typeof account?.id === 'number' ? { id: account.id } : {}),
    ...(identity?.name ? { name: identity.name } : {}),
    ...(identity?.email ? { email: identity.email } : {}),
  };
}

/** One read; a 404 is `undefined` where allowed, any other failure stops the check. */
async function get<T>(what: string, fetch: () => Promise<T>): Promise<T>;
async function get<T>(
  what: string,
  fetch: () => Promise<T>,
  options: { missing: true },
): Promise<T | undefined>;
async function get<T>(
  what: string,
  fetch: () => Promise<T>,
  options?: { missing: true },
): Promise<T | undefined> {
  try {
    return await fetch();
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 && options?.missing) return undefined;
    const message = ((error as { message?: string }).message ?? String(error)).split('\n')[0];
    throw new OperationError(
      `could not read ${what} from GitHub (${status ?? 'no answer'}: ${message}); refusing to apply without knowing who approved and who changed what. Run the job again; if it persists, check the job's token permissions (contents: read, pull-requests: read, actions: read)`,
      { cause: error },
    );
  }
}
