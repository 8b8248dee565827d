import type { GithubClient } from './client.js';
import { InputError, OperationError } from '../errors.js';

/** Who wrote a comment, as GitHub reports it (`user.login`, `user.type`). */
export interface CommentAuthor {
  login: string;
  /** `User`, `Bot` or `Organization`; empty when GitHub did not say (a deleted account). */
  type: string;
}

/** An issue or pull-request conversation comment. */
export interface IssueComment {
  id: number;
  body: string;
  url: string;
  author: CommentAuthor;
}

/** The login `GITHUB_TOKEN` comments as. A GitHub App token comments as `<app-slug>[bot]`. */
export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

/**
 * The bot login whose comments are trusted, from a setting: empty → `github-actions[bot]`;
 * a GitHub App's slug or its bot login → `<slug>[bot]`.
 */
export function commentBotLogin(setting: string | undefined): string {
  const value = (setting ?? '').trim();
  if (!value) return GITHUB_ACTIONS_BOT;
  const slug = value.replace(/\[bot\]$/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(slug)) {
    throw new InputError(
      `comment author "${value}" is not a GitHub App slug or bot login (like my-app or my-app[bot])`,
    );
  }
  return `${slug}[bot]`;
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

type RawComment = {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login?: string; type?: string } | null;
};

const toComment = (c: RawComment): IssueComment => ({
  id: c.id,
  body: c.body ?? '',
  url: c.html_url,
  author: { login: c.user?.login ?? '', type: c.user?.type ?? '' },
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

/**
 * Whether `comment` was written by the bot `botLogin`. Anyone who may comment can paste a marker
 * (a fork's author too), so only the toolkit's own bot is believed; bot logins end in `[bot]`
 * and no person can take one.
 */
export function isWrittenBy(comment: IssueComment, botLogin: string): boolean {
  return comment.author.type === 'Bot' && comment.author.login === botLogin;
}

/**
 * The oldest comment carrying `marker` written by `botLogin` (the one this toolkit keeps
 * updating). Comments by anyone else are ignored, marker or not.
 */
export async function findMarkedComment(
  api: CommentsApi,
  target: CommentTarget,
  marker: string,
  botLogin: string = GITHUB_ACTIONS_BOT,
): Promise<IssueComment | undefined> {
  const comments = await api.list(target);
  return comments.find((c) => c.body.includes(marker) && isWrittenBy(c, botLogin));
}

export interface UpsertResult {
  comment: IssueComment;
  action: 'created' | 'updated';
}

/**
 * Updates `botLogin`'s comment with `marker` in place, or creates it: one comment per marker,
 * ever. `botLogin` must be the login the token comments as, or every run creates a new comment.
 */
export async function upsertMarkedComment(
  api: CommentsApi,
  target: CommentTarget,
  marker: string,
  body: string,
  botLogin: string = GITHUB_ACTIONS_BOT,
): Promise<UpsertResult> {
  if (!body.includes(marker)) {
    throw new OperationError(
      `the comment body lacks its marker ${marker}; it could not be found again`,
    );
  }
  const existing = await findMarkedComment(api, target, marker, botLogin);
  if (!existing) return { comment: await api.create(target, body), action: 'created' };
  // Updated even when equal: the comment's edit time tells reviewers the plan is current.
  return { comment: await api.update(target, existing.id, body), action: 'updated' };
}
