import { httpStatus, type GithubClient } from './client.js';
import { isWrittenBy, type CommentAuthor } from './comments.js';

/** An issue as the tracking code sees it. */
export interface TrackedIssue {
  number: number;
  title: string;
  body: string;
  url: string;
  state: 'open' | 'closed';
  author: CommentAuthor;
}

/** The issue calls a tracking issue needs; Octokit in the actions, anything in tests. */
export interface IssuesApi {
  /** Open issues (not pull requests) carrying the label, every page. */
  listOpen(label: string): Promise<TrackedIssue[]>;
  /** Creates the label when missing (issue creation drops unknown labels for some tokens). */
  ensureLabel(label: string): Promise<void>;
  create(title: string, body: string, label: string): Promise<TrackedIssue>;
  update(
    number: number,
    change: { body?: string; state?: 'open' | 'closed'; title?: string },
  ): Promise<TrackedIssue>;
  comment(number: number, body: string): Promise<void>;
  /** The bodies of the issue's comments written by `botLogin`. */
  botComments(number: number, botLogin: string): Promise<string[]>;
}

type RawIssue = {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  pull_request?: unknown;
  user?: { login?: string; type?: string } | null;
};

const toIssue = (i: RawIssue): TrackedIssue => ({
  number: i.number,
  title: i.title,
  body: i.body ?? '',
  url: i.html_url,
  state: i.state === 'closed' ? 'closed' : 'open',
  author: { login: i.user?.login ?? '', type: i.user?.type ?? '' },
});

export function octokitIssues(octokit: GithubClient, owner: string, repo: string): IssuesApi {
  return {
    async listOpen(label) {
      const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
        owner,
        repo,
        state: 'open',
        labels: label,
        per_page: 100,
      });
      return (all as RawIssue[]).filter((i) => !i.pull_request).map(toIssue);
    },
    async ensureLabel(label) {
      try {
        await octokit.rest.issues.getLabel({ owner, repo, name: label });
      } catch (error) {
        if (httpStatus(error) !== 404) throw error;
        await octokit.rest.issues.createLabel({ owner, repo, name: label, color: 'b60205' });
      }
    },
    async create(title, body, label) {
      const { data } = await octokit.rest.issues.create({
        owner,
        repo,
        title,
        body,
        labels: [label],
      });
      return toIssue(data);
    },
    async update(number, change) {
      const { data } = await octokit.rest.issues.update({
        owner,
        repo,
        issue_number: number,
        ...change,
      });
      return toIssue(data);
    },
    async comment(number, body) {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
    },
    async botComments(number, botLogin) {
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: number,
        per_page: 100,
      });
      return all
        .map((c) => ({
          body: c.body ?? '',
          author: { login: c.user?.login ?? '', type: c.user?.type ?? '' },
        }))
        .filter((c) => isWrittenBy({ id: 0, url: '', ...c }, botLogin))
        .map((c) => c.body);
    },
  };
}
