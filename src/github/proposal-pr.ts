import type { GithubClient } from './client.js';
import { httpStatus } from './client.js';

/**
 * One pull request per environment proposing new Keymaster thresholds (issue 30 item 4), through
 * GitHub's REST API only (no git on the runner): the branch `nomad-ops/thresholds-{env}` is reset
 * to the base branch's head, the edited environment file is committed on it with the contents
 * API, and the open pull request from it is updated, or one is opened. When the file needs no
 * change, an open proposal is closed with a comment saying why.
 */

export interface ProposalPullRequest {
  owner: string;
  repo: string;
  environment: string;
  base: string;
  /** The environment file's path in the repository, and its proposed text. */
  path: string;
  content: string;
  /** Rows changed: 0 closes an open proposal instead. */
  changed: number;
  title: string;
  body: string;
}

export type ProposalAction = 'opened' | 'updated' | 'closed' | 'none';

export const proposalBranch = (environment: string) => `nomad-ops/thresholds-${environment}`;

async function openPull(octokit: GithubClient, p: ProposalPullRequest, branch: string) {
  const { data } = await octokit.rest.pulls.list({
    owner: p.owner,
    repo: p.repo,
    state: 'open',
    head: `${p.owner}:${branch}`,
    base: p.base,
    per_page: 10,
  });
  return data[0];
}

export async function upsertProposalPullRequest(
  octokit: GithubClient,
  p: ProposalPullRequest,
): Promise<{ action: ProposalAction; number?: number; url?: string }> {
  const branch = proposalBranch(p.environment);
  const existing = await openPull(octokit, p, branch);
  if (p.changed === 0) {
    if (!existing) return { action: 'none' };
    await octokit.rest.issues.createComment({
      owner: p.owner,
      repo: p.repo,
      issue_number: existing.number,
      body: `The measured burn no longer calls for a change of ${p.environment}'s thresholds: closing.\n\n${p.body}`,
    });
    await octokit.rest.pulls.update({
      owner: p.owner,
      repo: p.repo,
      pull_number: existing.number,
      state: 'closed',
    });
    return { action: 'closed', number: existing.number, url: existing.html_url };
  }
  const { data: baseRef } = await octokit.rest.git.getRef({
    owner: p.owner,
    repo: p.repo,
    ref: `heads/${p.base}`,
  });
  const sha = baseRef.object.sha;
  // The branch starts again from the base each time: one commit, the proposal of today.
  try {
    await octokit.rest.git.updateRef({
      owner: p.owner,
      repo: p.repo,
      ref: `heads/${branch}`,
      sha,
      force: true,
    });
  } catch (error) {
    if (httpStatus(error) !== 422 && httpStatus(error) !== 404) throw error;
    await octokit.rest.git.createRef({
      owner: p.owner,
      repo: p.repo,
      ref: `refs/heads/${branch}`,
      sha,
    });
  }
  const { data: file } = await octokit.rest.repos.getContent({
    owner: p.owner,
    repo: p.repo,
    path: p.path,
    ref: branch,
  });
  const fileSha = !Array.isArray(file) && 'sha' in file ? file.sha : undefined;
  await octokit.rest.repos.createOrUpdateFileContents({
    owner: p.owner,
    repo: p.repo,
    path: p.path,
    branch,
    message: p.title,
    content: Buffer.from(p.content).toString('base64'),
    ...(fileSha ? { sha: fileSha } : {}),
  });
  if (existing) {
    await octokit.rest.pulls.update({
      owner: p.owner,
      repo: p.repo,
      pull_number: existing.number,
      title: p.title,
      body: p.body,
    });
    return { action: 'updated', number: existing.number, url: existing.html_url };
  }
  const { data: created } = await octokit.rest.pulls.create({
    owner: p.owner,
    repo: p.repo,
    head: branch,
    base: p.base,
    title: p.title,
    body: p.body,
  });
  return { action: 'opened', number: created.number, url: created.html_url };
}
