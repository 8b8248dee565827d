import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the part of GitHub's REST API the comment code uses, on 127.0.0.1: issue
 * comments (list with pagination, create, update) and the pull requests of a commit; for the
 * approval check, a run's approvals, a linear history (compare with pages, the commit list with
 * Link pagination) and pull requests with who opened and merged them. It records every request. Tokens starting with `read-only` get 403 on writes, as a fork's token does.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  body: unknown;
}

export interface CommentUser {
  login: string;
  type: 'User' | 'Bot';
}

/** Whom `GITHUB_TOKEN` comments as: every comment created through the API is theirs. */
export const ACTIONS_BOT: CommentUser = { login: 'github-actions[bot]', type: 'Bot' };
/** A person, as a pull request's (or a fork's) author is. */
export const HUMAN: CommentUser = { login: 'someone', type: 'User' };

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: CommentUser;
}

export interface FakePull {
  number: number;
  merged_at: string | null;
  merge_commit_sha: string | null;
  /** Who opened it and who merged it (`GET /repos/{o}/{r}/pulls/{n}`). */
  user?: { login: string; id: number };
  merged_by?: { login: string; id: number } | null;
}

/** A GitHub account as commits, pulls and approvals show it. */
export interface FakeAccount {
  login: string;
  id: number;
}

/** One commit of the linear history, in the API's shape (`author`/`committer`: the accounts). */
export interface FakeCommit {
  sha: string;
  commit: {
    message: string;
    author: { name: string; email: string };
    committer: { name: string; email: string };
  };
  author: FakeAccount | null;
  committer: FakeAccount | null;
}

/** One approval of `GET /repos/{o}/{r}/actions/runs/{id}/approvals`. */
export interface FakeApproval {
  state: 'approved' | 'rejected';
  user: FakeAccount;
  environments: { name: string }[];
  comment: string;
}

/** GitHub's own limit: longer bodies are refused with 422. */
const BODY_LIMIT = 65_536;

/** An issue (not a pull request) with its labels. */
export interface StoredIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  user: CommentUser;
}

/** A workflow run and its jobs, for the Actions endpoints the alert job and watchdog read. */
export interface FakeRun {
  id: number;
  workflow: string;
  branch: string;
  event: string;
  status: string;
  conclusion: string | null;
  created_at: string;
  jobs: {
    name: string;
    status: string;
    conclusion: string | null;
    completed_at: string | null;
    steps?: { name: string; conclusion: string | null }[];
  }[];
}

export class FakeGithub {
  readonly requests: RecordedRequest[] = [];
  readonly issues: StoredIssue[] = [];
  readonly labels = new Set<string>();
  /** Workflow runs, newest first as GitHub lists them. */
  readonly runs: FakeRun[] = [];
  readonly comments: StoredComment[] = [];
  /** Pull requests by commit sha, for `GET /repos/{o}/{r}/commits/{sha}/pulls`. */
  readonly pullsByCommit = new Map<string, FakePull[]>();
  /** The history of main, oldest first (compare and the commit list answer from it). */
  readonly history: FakeCommit[] = [];
  /** Approvals by run id. */
  readonly approvals = new Map<string, FakeApproval[]>();
  private nextId = 1000;
  private server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(readonly repository = 'nomad-xyz/nomad-agent-ops') {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addComment(issue: number, body: string, user: CommentUser = HUMAN): StoredComment {
    const comment = { id: this.nextId++, issue, body, user };
    this.comments.push(comment);
    return comment;
  }

  commentsOn(issue: number): StoredComment[] {
    return this.comments.filter((c) => c.issue === issue);
  }

  /** Requests that wrote something (POST, PATCH, PUT, DELETE). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private json(
    res: ServerResponse,
    status: number,
    data: unknown,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(data));
  }

  private view(c: StoredComment) {
    return {
      id: c.id,
      body: c.body,
      user: { ...c.user },
      html_url: `https://github.com/${this.repository}/pull/${c.issue}#issuecomment-${c.id}`,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const auth = req.headers.authorization;
    const token = auth?.replace(/^(token|bearer)\s+/i, '');
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, token, body });

    const repo = `/repos/${this.repository}`;
    if (!token) return this.json(res, 401, { message: 'Requires authentication' });
    if (method !== 'GET' && token.startsWith('read-only')) {
      return this.json(res, 403, { message: 'Resource not accessible by integration' });
    }

    let m = new RegExp(`^${repo}/issues/(\\d+)/comments$`).exec(url.pathname);
    if (m) {
      const issue = Number(m[1]);
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = this.commentsOn(issue);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return this.json(
          res,
          200,
          slice.map((c) => this.view(c)),
          headers,
        );
      }
      if (method === 'POST') {
        const text = String((body as { body?: unknown }).body ?? '');
        if (text.length > BODY_LIMIT) {
          return this.json(res, 422, {
            message: 'Validation Failed',
            errors: ['body is too long'],
          });
        }
        return this.json(res, 201, this.view(this.addComment(issue, text, ACTIONS_BOT)));
      }
    }

    m = new RegExp(`^${repo}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (m && method === 'PATCH') {
      const comment = this.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return this.json(res, 404, { message: 'Not Found' });
      const text = String((body as { body?: unknown }).body ?? '');
      if (text.length > BODY_LIMIT) {
        return this.json(res, 422, { message: 'Validation Failed', errors: ['body is too long'] });
      }
      comment.body = text;
      return this.json(res, 200, this.view(comment));
    }

    const handled = this.handleIssuesAndRuns(method, url, body, repo, res);
    if (handled) return;

    m = new RegExp(`^${repo}/commits/([0-9a-f]{40})/pulls$`).exec(url.pathname);
    if (m && method === 'GET') {
      const pulls = this.pullsByCommit.get(m[1]!) ?? [];
      return this.json(
        res,
        200,
        pulls.map((p) => ({
          ...p,
          html_url: `https://github.com/${this.repository}/pull/${p.number}`,
        })),
      );
    }

    if (method === 'GET') {
      const answer = this.historyRoute(repo, url);
      if (answer) return this.json(res, answer.status, answer.data, answer.headers);
    }

    return this.json(res, 404, { message: `fake GitHub: no route for ${method} ${url.pathname}` });
  }

  private issueView(i: StoredIssue) {
    return {
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((name) => ({ name })),
      user: { ...i.user },
      html_url: `https://github.com/${this.repository}/issues/${i.number}`,
    };
  }

  /** Issues (list, create, update), labels, workflow runs and their jobs; true when answered. */
  private handleIssuesAndRuns(
    method: string,
    url: URL,
    body: unknown,
    repo: string,
    res: ServerResponse,
  ): boolean {
    const b = (body ?? {}) as Record<string, unknown>;
    const p = url.pathname;
    if (p === `${repo}/issues` && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const label = url.searchParams.get('labels');
      const found = this.issues.filter(
        (i) => (state === 'all' || i.state === state) && (!label || i.labels.includes(label)),
      );
      this.json(
        res,
        200,
        found.map((i) => this.issueView(i)),
      );
      return true;
    }
    if (p === `${repo}/issues` && method === 'POST') {
      const number = this.nextId++;
      const labels = ((b.labels as string[] | undefined) ?? []).filter((l) => this.labels.has(l));
      const issue: StoredIssue = {
        number,
        title: String(b.title),
        body: String(b.body ?? ''),
        state: 'open',
        labels,
        user: ACTIONS_BOT,
      };
      this.issues.push(issue);
      this.json(res, 201, this.issueView(issue));
      return true;
    }
    let m = new RegExp(`^${repo}/issues/(\\d+)$`).exec(p);
    if (m && method === 'PATCH') {
      const issue = this.issues.find((i) => i.number === Number(m![1]));
      if (!issue) {
        this.json(res, 404, { message: 'Not Found' });
        return true;
      }
      if (typeof b.body === 'string') issue.body = b.body;
      if (typeof b.title === 'string') issue.title = b.title;
      if (b.state === 'open' || b.state === 'closed') issue.state = b.state;
      this.json(res, 200, this.issueView(issue));
      return true;
    }
    m = new RegExp(`^${repo}/labels(?:/([^/]+))?$`).exec(p);
    if (m) {
      const name = m[1] ? decodeURIComponent(m[1]) : String(b.name);
      if (method === 'GET' && this.labels.has(name)) this.json(res, 200, { name });
      else if (method === 'GET') this.json(res, 404, { message: 'Not Found' });
      else {
        this.labels.add(name);
        this.json(res, 201, { name });
      }
      return true;
    }
    m = new RegExp(`^${repo}/actions/workflows/([^/]+)/runs$`).exec(p);
    if (m && method === 'GET') {
      const branch = url.searchParams.get('branch');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const runs = this.runs
        .filter((r) => r.workflow === m![1] && (!branch || r.branch === branch))
        .slice(0, perPage);
      this.json(res, 200, {
        total_count: runs.length,
        workflow_runs: runs.map((r) => ({
          id: r.id,
          event: r.event,
          status: r.status,
          conclusion: r.conclusion,
          created_at: r.created_at,
          html_url: `https://github.com/${this.repository}/actions/runs/${r.id}`,
        })),
      });
      return true;
    }
    m = new RegExp(`^${repo}/actions/runs/(\\d+)/jobs$`).exec(p);
    if (m && method === 'GET') {
      const run = this.runs.find((r) => r.id === Number(m![1]));
      if (!run) {
        this.json(res, 404, { message: 'Not Found' });
        return true;
      }
      this.json(res, 200, {
        total_count: run.jobs.length,
        jobs: run.jobs.map((j, k) => ({
          id: run.id * 100 + k,
          ...j,
          steps: j.steps ?? [],
          html_url: `https://github.com/${this.repository}/actions/runs/${run.id}/job/${k}`,
        })),
      });
      return true;
    }
    return false;
  }

  /** Approvals, compare, the commit list and single pull requests. */
  private historyRoute(
    repo: string,
    url: URL,
  ): { status: number; data: unknown; headers?: Record<string, string> } | undefined {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
    const page = Number(url.searchParams.get('page') ?? 1);
    const index = (sha: string) => this.history.findIndex((c) => c.sha === sha);
    const notFound = { status: 404, data: { message: 'Not Found' } };
    let m = new RegExp(`^${repo}/actions/runs/(\\d+)/approvals$`).exec(url.pathname);
    if (m) return { status: 200, data: this.approvals.get(m[1]!) ?? [] };
    m = new RegExp(`^${repo}/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)$`).exec(url.pathname);
    if (m) {
      const [base, head] = [index(m[1]!), index(m[2]!)];
      if (base < 0 || head < 0) return notFound;
      const commits = this.history.slice(base + 1, head + 1);
      return {
        status: 200,
        data: {
          status: commits.length > 0 ? 'ahead' : 'identical',
          total_commits: commits.length,
          commits: commits.slice((page - 1) * perPage, page * perPage),
        },
      };
    }
    if (url.pathname === `${repo}/commits`) {
      const head = index(url.searchParams.get('sha') ?? '');
      if (head < 0) return notFound;
      const all = this.history.slice(0, head + 1).reverse();
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return { status: 200, data: all.slice((page - 1) * perPage, page * perPage), headers };
    }
    m = new RegExp(`^${repo}/pulls/(\\d+)$`).exec(url.pathname);
    if (m) {
      const pull = [...this.pullsByCommit.values()].flat().find((p) => p.number === Number(m![1]));
      return pull ? { status: 200, data: pull } : notFound;
    }
    return undefined;
  }
}
