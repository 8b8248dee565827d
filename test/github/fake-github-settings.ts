import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  RestBranchPolicy,
  RestBranchProtection,
  RestBranchRule,
  RestEnvironment,
  RestOidcSubject,
  RestRepository,
} from '../../src/github/settings-types.js';
import type { RecordedRequest } from './fake-github.js';

/**
 * A stand-in for the repository-settings part of GitHub's REST API on 127.0.0.1, answering in the
 * API's shapes: environments (404 when absent; PUT as `gh api` sends the docs' JSON), deployment
 * branch policies, rulesets (POST) and the rules that apply to a branch, classic branch
 * protection (404 "Branch not protected"; 403 to tokens without admin read), file contents
 * (base64), and the OIDC subject settings. It records every request.
 *
 * Tokens: `no-admin…` gets 403 where GitHub wants Administration read (classic protection,
 * rulesets' details); `bad…` gets 401.
 */

interface StoredEnvironment {
  environment: RestEnvironment;
  branchPolicies: RestBranchPolicy[];
}

interface StoredRuleset {
  id: number;
  name: string;
  target: string;
  enforcement: 'active' | 'evaluate' | 'disabled';
  conditions?: { ref_name?: { include?: string[]; exclude?: string[] } };
  rules: { type: string; parameters?: Record<string, unknown> }[];
  bypass_actors?: { actor_id?: number | null; actor_type: string; bypass_mode?: string }[];
}

const NOT_FOUND = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest',
  status: '404',
};

export class FakeGithubSettings {
  readonly requests: RecordedRequest[] = [];
  readonly environments = new Map<string, StoredEnvironment>();
  readonly rulesets: StoredRuleset[] = [];
  protection: RestBranchProtection | undefined;
  readonly files = new Map<string, string>();
  /** undefined: the endpoint answers 404. */
  oidc: RestOidcSubject | undefined = { use_default: true };
  private nextId = 100;
  private server = createServer((req, res) => void this.handle(req, res));
  url = '';

  constructor(
    readonly repo: RestRepository = {
      id: 456789,
      name: 'my-repo',
      full_name: 'octocat/my-repo',
      owner: { login: 'octocat', id: 123456 },
      default_branch: 'main',
      created_at: '2026-07-01T10:00:00Z',
    },
  ) {}

  get repository() {
    return this.repo.full_name;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private json(res: ServerResponse, status: number, data: unknown) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(status === 204 ? undefined : JSON.stringify(data));
  }

  /** The GET shape of an environment from the PUT body GitHub takes. */
  private putEnvironment(name: string, body: Record<string, unknown>): RestEnvironment {
    const rules: RestEnvironment['protection_rules'] = [];
    const reviewers = (body.reviewers as { type: 'User' | 'Team'; id: number }[] | null) ?? [];
    if (reviewers.length > 0) {
      rules.push({
        id: this.nextId++,
        type: 'required_reviewers',
        prevent_self_review: body.prevent_self_review === true,
        reviewers: reviewers.map((r) => ({
          type: r.type,
          reviewer:
            r.type === 'User'
              ? { login: `user${r.id}`, id: r.id }
              : { slug: `team${r.id}`, id: r.id },
        })),
      });
    }
    if (typeof body.wait_timer === 'number' && body.wait_timer > 0) {
      rules.push({ id: this.nextId++, type: 'wait_timer', wait_timer: body.wait_timer });
    }
    const policy = (body.deployment_branch_policy ??
      null) as RestEnvironment['deployment_branch_policy'];
    if (policy) rules.push({ id: this.nextId++, type: 'branch_policy' });
    const previous = this.environments.get(name);
    const environment: RestEnvironment = {
      id: previous?.environment.id ?? this.nextId++,
      name,
      // GitHub keeps admins able to bypass unless told otherwise
      can_admins_bypass:
        typeof body.can_admins_bypass === 'boolean' ? body.can_admins_bypass : true,
      protection_rules: rules,
      deployment_branch_policy: policy,
    };
    this.environments.set(name, {
      environment,
      branchPolicies: policy?.custom_branch_policies ? (previous?.branchPolicies ?? []) : [],
    });
    return environment;
  }

  /** Rules of active rulesets whose conditions take `refs/heads/{branch}`. */
  private rulesFor(branch: string): RestBranchRule[] {
    const ref = `refs/heads/${branch}`;
    const included = (rs: StoredRuleset) => {
      const include = rs.conditions?.ref_name?.include ?? [];
      const exclude = rs.conditions?.ref_name?.exclude ?? [];
      const hit = (p: string) =>
        p === ref ||
        p === '~ALL' ||
        (p === '~DEFAULT_BRANCH' && branch === this.repo.default_branch);
      return include.some(hit) && !exclude.some(hit);
    };
    return this.rulesets
      .filter((rs) => rs.enforcement === 'active' && rs.target === 'branch' && included(rs))
      .flatMap((rs) =>
        rs.rules.map((r) => ({
          type: r.type,
          ...(r.parameters ? { parameters: r.parameters } : {}),
          ruleset_source_type: 'Repository',
          ruleset_source: this.repository,
          ruleset_id: rs.id,
        })),
      );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const token = req.headers.authorization?.replace(/^(token|bearer)\s+/i, '');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname);
    this.requests.push({
      method,
      path,
      query: url.searchParams,
      token,
      body: raw ? body : undefined,
    });

    if (!token) return this.json(res, 401, { message: 'Requires authentication' });
    if (token.startsWith('bad')) return this.json(res, 401, { message: 'Bad credentials' });
    const admin = !token.startsWith('no-admin');
    const forbidden = () =>
      this.json(res, 403, {
        message: 'Resource not accessible by personal access token',
        documentation_url: 'https://docs.github.com/rest',
        status: '403',
      });

    const repo = `/repos/${this.repository}`;
    if (path === repo && method === 'GET') return this.json(res, 200, this.repo);

    if (path === `${repo}/environments` && method === 'GET') {
      const all = [...this.environments.values()].map((e) => e.environment);
      return this.json(res, 200, { total_count: all.length, environments: all });
    }
    let m = new RegExp(`^${repo}/environments/([^/]+)$`).exec(path);
    if (m) {
      const name = m[1]!;
      if (method === 'PUT') return this.json(res, 200, this.putEnvironment(name, body));
      const stored = this.environments.get(name);
      return stored ? this.json(res, 200, stored.environment) : this.json(res, 404, NOT_FOUND);
    }
    m = new RegExp(`^${repo}/environments/([^/]+)/deployment-branch-policies$`).exec(path);
    if (m) {
      const stored = this.environments.get(m[1]!);
      if (!stored) return this.json(res, 404, NOT_FOUND);
      if (method === 'POST') {
        const policy = {
          id: this.nextId++,
          name: String(body.name),
          type: (body.type as 'branch' | 'tag' | undefined) ?? 'branch',
        };
        stored.branchPolicies.push(policy);
        return this.json(res, 200, policy);
      }
      return this.json(res, 200, {
        total_count: stored.branchPolicies.length,
        branch_policies: stored.branchPolicies,
      });
    }

    if (path === `${repo}/rulesets` && method === 'POST') {
      const ruleset = { ...(body as unknown as StoredRuleset), id: this.nextId++ };
      this.rulesets.push(ruleset);
      return this.json(res, 201, {
        ...ruleset,
        source_type: 'Repository',
        source: this.repository,
      });
    }
    m = new RegExp(`^${repo}/rulesets/(\\d+)$`).exec(path);
    if (m && method === 'GET') {
      const ruleset = this.rulesets.find((rs) => rs.id === Number(m![1]));
      if (!ruleset) return this.json(res, 404, NOT_FOUND);
      // the bypass list is shown only to those who may administer the ruleset
      const { bypass_actors, ...rest } = ruleset;
      return this.json(res, 200, {
        ...rest,
        source_type: 'Repository',
        source: this.repository,
        ...(admin ? { bypass_actors: bypass_actors ?? [] } : {}),
        current_user_can_bypass: 'never',
      });
    }
    m = new RegExp(`^${repo}/rules/branches/(.+)$`).exec(path);
    if (m && method === 'GET') return this.json(res, 200, this.rulesFor(m[1]!));

    m = new RegExp(`^${repo}/branches/([^/]+)/protection$`).exec(path);
    if (m && method === 'GET') {
      if (!admin) return forbidden();
      if (!this.protection) {
        return this.json(res, 404, {
          message: 'Branch not protected',
          documentation_url: 'https://docs.github.com/rest/branches/branch-protection',
          status: '404',
        });
      }
      return this.json(res, 200, this.protection);
    }

    m = new RegExp(`^${repo}/contents/(.+)$`).exec(path);
    if (m && method === 'GET') {
      const content = this.files.get(m[1]!);
      if (content === undefined) return this.json(res, 404, NOT_FOUND);
      return this.json(res, 200, {
        type: 'file',
        encoding: 'base64',
        name: m[1]!.split('/').pop(),
        path: m[1],
        size: Buffer.byteLength(content),
        // GitHub wraps the base64 at 60 characters
        content: Buffer.from(content)
          .toString('base64')
          .replace(/(.{60})/g, '$1\n'),
      });
    }

    if (path === `${repo}/actions/oidc/customization/sub` && method === 'GET') {
      return this.oidc ? this.json(res, 200, this.oidc) : this.json(res, 404, NOT_FOUND);
    }

    return this.json(res, 404, { message: `fake GitHub: no route for ${method} ${path}` });
  }
}
