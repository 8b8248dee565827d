import type { GithubClient } from './client.js';

/** An issue or pull-request conversation comment. */
export interface IssueComment {
  id: number;
  body: string;
  url: string;
}

export interface CommentTarget {
  owner: string;
  repo: string;
  /** Pull requests are issues for comments. */
  issueNumber: number;
}

/** The three calls the sticky comment needs; Octokit in the actions, anything in tests. */
export interface CommentsApi {
  list(target: CommentTarget): Promise<IssueComment[]>;
  create(target: CommentTarget, body: string): Promise<IssueComment>;
  update(target: CommentTarget, id: number, body: string): Promise<IssueComment>;
}

type RawComment = { id: number; body?: string | null; html_url: string };

const toComment = (c: RawComment): IssueComment => ({
  id: c.id,
  body: c.body ?? '',
  url: c.html_url,
});

export function octokitComments(octokit: GithubClient): CommentsApi {
  return {
    async list({ owner, repo, issueNumber }) {
      // Every page: a busy pull request has more than the 100 comments of one page.
      const all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100,
      });
      return all.map(toComment);
    },
    async create({ owner, repo, issueNumber }, body) {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body,
      });
      return toComment(data);
    },
    async update({ owner, repo }, id, body) {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: id,
        body,
      });
      return toComment(data);
    },
  };
}

/** The oldest comment carrying `marker` (the one this toolkit keeps updating). */
export async function findMarkedComment(
  api: CommentsApi,
  target: CommentTarget,
  marker: string,
): Promise<IssueComment | undefined> {
  const comments = await api.list(target);
  return comments.find((c) => c.body.includes(marker));
}

export interface UpsertResult {
  comment: IssueComment;
  action: 'created' | 'updated';
}

/** Updates the comment with `marker` in place, or creates it: one comment per marker, ever. */
export async function upsertMarkedComment(
  api: CommentsApi,
  target: CommentTarget,
  marker: string,
  body: string,
): Promise<UpsertResult> {
  if (!body.includes(marker)) {
    throw new Error(`the comment body lacks its marker ${marker}; it could not be found again`);
  }
  const existing = await findMarkedComment(api, target, marker);
  if (!existing) return { comment: await api.create(target, body), action: 'created' };
  // Updated even when equal: the comment's edit time tells reviewers the plan is current.
  return { comment: await api.update(target, existing.id, body), action: 'updated' };
}
