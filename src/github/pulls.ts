import type { GithubClient } from './client.js';

export interface PullRequestRef {
  number: number;
  url: string;
  merged: boolean;
}

/**
 * The pull request a pushed commit came from: among the pull requests GitHub associates with the
 * commit, the one merged as exactly this commit, else the latest merged one, else undefined.
 */
export async function pullRequestOfCommit(
  octokit: GithubClient,
  owner: string,
  repo: string,
  sha: string,
): Promise<PullRequestRef | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: sha,
    per_page: 100,
  });
  const merged = data.filter((p) => p.merged_at);
  const pick =
    merged.find((p) => p.merge_commit_sha === sha) ??
    merged.sort((a, b) => String(b.merged_at).localeCompare(String(a.merged_at)))[0];
  return pick ? { number: pick.number, url: pick.html_url, merged: true } : undefined;
}
