/**
 * `github check` against a GitHub stand-in on 127.0.0.1 that answers in the REST API's shapes.
 * The correct repository is set up from the settings the docs ship (docs/github/*.json and
 * .github/CODEOWNERS), sent the way `gh api` sends them; each case then breaks one setting.
 */
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { githubClient } from '../../src/github/client.js';
import { githubCheckJob, readWorkflowFiles } from '../../src/jobs/github-check.js';
import { workflowEnvironments, type WorkflowFile } from '../../src/github/workflow-environments.js';
import { cli, repoRoot } from '../cli/helpers.js';
import { production, staging } from '../inventory/fixtures.js';
import { FakeGithubSettings } from './fake-github-settings.js';

const REPO = 'octocat/my-repo';
const IMMUTABLE = 'repo:octocat@123456/my-repo@456789';
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const docsJson = (name: string) =>
  JSON.parse(read(`docs/github/${name}`)) as Record<string, unknown>;

let github: FakeGithubSettings;

/** The shipped settings, applied through the API as the setup guide's `gh api` calls do. */
async function configureAsDocumented(fake: FakeGithubSettings) {
  fake.environments.clear();
  fake.rulesets.length = 0;
  fake.protection = undefined;
  fake.files.clear();
  const client = githubClient('admin-token', fake.url);
  const base = { owner: 'octocat', repo: 'my-repo' };
  const put = (name: string, body: Record<string, unknown>) =>
    client.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
      ...base,
      environment_name: name,
      ...body,
    });
  const mainOnly = (name: string) =>
    client.request(
      'POST /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
      { ...base, environment_name: name, name: 'main', type: 'branch' },
    );
  await put('production', docsJson('production-environment.json'));
  await mainOnly('production');
  for (const name of ['staging-keymaster', 'production-keymaster']) {
    await put(name, docsJson('keymaster-environment.json'));
    await mainOnly(name);
  }
  for (const name of ['development', 'staging', 'github-settings']) {
    await put(name, docsJson('main-only-environment.json'));
    await mainOnly(name);
  }
  await client.request('POST /repos/{owner}/{repo}/rulesets', {
    ...base,
    ...(docsJson('main-ruleset.json') as { name: string; enforcement: 'active' }),
  });
  fake.files.set('.github/CODEOWNERS', read('.github/CODEOWNERS'));
  fake.oidc = { use_default: true, use_immutable_subject: true, sub_claim_prefix: IMMUTABLE };
  fake.requests.length = 0;
}

const envs = (subjectPrefix: string | undefined): ResolvedEnvironment[] =>
  [staging(), production()].map((env) => {
    env.github = { repository: REPO, ...(subjectPrefix ? { subjectPrefix } : {}) };
    return env;
  });

/** The repository's own workflow files: the environments they name are the ones audited. */
const WORKFLOWS = readWorkflowFiles(
  '.github/workflows',
  (dir) => readdirSync(path.join(repoRoot, dir)),
  (file) => read(file),
);

async function check(
  options: { token?: string; subjectPrefix?: string | null; workflows?: WorkflowFile[] } = {},
) {
  const prefix = options.subjectPrefix === null ? undefined : (options.subjectPrefix ?? IMMUTABLE);
  return githubCheckJob(
    githubClient(options.token ?? 'admin-token', github.url),
    REPO,
    envs(prefix),
    options.workflows ?? WORKFLOWS,
  );
}

/** The problems, as `subject: problem`, for asserting which settings were caught. */
const problems = (result: Awaited<ReturnType<typeof check>>) =>
  result.findings.filter((f) => f.severity === 'problem').map((f) => `${f.subject}: ${f.problem}`);

beforeAll(async () => {
  github = await new FakeGithubSettings().start();
});
afterAll(async () => {
  await github.stop();
});
beforeEach(async () => {
  await configureAsDocumented(github);
});

describe('github check on the documented settings', () => {
  it('passes, reading only', async () => {
    const result = await check();
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(github.writes()).toEqual([]);
    const paths = github.requests.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/repos/octocat/my-repo/environments/production',
        '/repos/octocat/my-repo/environments/production/deployment-branch-policies',
        '/repos/octocat/my-repo/environments/staging-keymaster',
        '/repos/octocat/my-repo/rules/branches/main',
        '/repos/octocat/my-repo/branches/main/protection',
        '/repos/octocat/my-repo/contents/.github/CODEOWNERS',
        '/repos/octocat/my-repo/actions/oidc/customization/sub',
      ]),
    );
    expect(new Set(github.requests.map((r) => r.token))).toEqual(new Set(['admin-token']));
  });

  it('passes with classic branch protection instead of a ruleset, and a root CODEOWNERS', async () => {
    github.rulesets.length = 0;
    github.protection = {
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: true,
      },
      enforce_admins: { enabled: true },
    };
    github.files.set('CODEOWNERS', github.files.get('.github/CODEOWNERS')!);
    github.files.delete('.github/CODEOWNERS');
    expect((await check()).findings).toEqual([]);
  });

  it('passes for a legacy repository with legacy environment files', async () => {
    github.oidc = {
      use_default: true,
      use_immutable_subject: false,
      sub_claim_prefix: `repo:${REPO}`,
    };
    expect((await check({ subjectPrefix: null })).findings).toEqual([]);
  });
});

describe('github check fails on each misconfiguration', () => {
  const production = () => github.environments.get('production')!;

  it('production missing (404)', async () => {
    github.environments.delete('production');
    const result = await check();
    expect(result.ok).toBe(false);
    expect(problems(result)).toEqual([
      expect.stringMatching(/^environment production: does not exist; .*no protection/),
    ]);
    expect(result.findings[0]!.fix).toMatch(
      /gh api -X PUT repos\/octocat\/my-repo\/environments\/production --input docs\/github\/production-environment\.json/,
    );
  });

  it('production without required reviewers', async () => {
    production().environment.protection_rules = production().environment.protection_rules!.filter(
      (r) => r.type !== 'required_reviewers',
    );
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^environment production: has no required reviewers/),
    ]);
  });

  it('production letting admins bypass, explicitly or by default', async () => {
    production().environment.can_admins_bypass = true;
    expect(problems(await check())).toEqual([
      expect.stringMatching(/lets administrators bypass .*can_admins_bypass is true/),
    ]);
    delete production().environment.can_admins_bypass;
    expect(problems(await check())).toEqual([
      expect.stringMatching(/can_admins_bypass is not set, which GitHub takes as true/),
    ]);
  });

  it('production allowing self-review', async () => {
    const rule = production().environment.protection_rules!.find(
      (r) => r.type === 'required_reviewers',
    )!;
    rule.prevent_self_review = false;
    const result = await check();
    expect(problems(result)).toEqual([expect.stringMatching(/allows self-review/)]);
    expect(result.findings[0]!.fix).toMatch(/"prevent_self_review": true/);
  });

  it('production deploying from other branches', async () => {
    production().branchPolicies.push({ id: 1, name: 'release/*', type: 'branch' });
    expect(problems(await check())).toEqual([
      expect.stringMatching(/deploys from other refs than main: branch "release\/\*"/),
    ]);
    production().environment.deployment_branch_policy = {
      protected_branches: true,
      custom_branch_policies: false,
    };
    expect(problems(await check())).toEqual([expect.stringMatching(/every protected branch/)]);
    production().environment.deployment_branch_policy = null;
    expect(problems(await check())).toEqual([expect.stringMatching(/deploys from any branch/)]);
  });

  it('a keymaster environment requiring reviewers or deploying from other branches, or missing', async () => {
    const keymaster = github.environments.get('production-keymaster')!;
    keymaster.environment.protection_rules!.push({
      type: 'required_reviewers',
      prevent_self_review: true,
      reviewers: [{ type: 'User', reviewer: { login: 'approver', id: 9 } }],
    });
    keymaster.branchPolicies.push({ id: 2, name: 'v*', type: 'tag' });
    keymaster.environment.can_admins_bypass = true;
    expect(problems(await check())).toEqual([
      expect.stringMatching(
        /^environment production-keymaster: requires reviewers: scheduled .* wait/,
      ),
      expect.stringMatching(
        /^environment production-keymaster: lets administrators bypass its deployment branch rule/,
      ),
      expect.stringMatching(
        /^environment production-keymaster: deploys from other refs than main: tag "v\*"/,
      ),
    ]);
    github.environments.delete('staging-keymaster');
    expect(problems(await check())).toContainEqual(
      expect.stringMatching(/^environment staging-keymaster: does not exist/),
    );
  });

  it('staging (and every environment a workflow names) deploying from any branch, or missing', async () => {
    github.environments.get('staging')!.environment.deployment_branch_policy = null;
    github.environments.delete('github-settings');
    const result = await check();
    expect(problems(result)).toEqual([
      expect.stringMatching(/^environment github-settings: does not exist/),
      expect.stringMatching(/^environment staging: deploys from any branch/),
    ]);
    expect(result.findings.find((f) => f.subject === 'environment staging')?.fix).toMatch(
      /--input docs\/github\/main-only-environment\.json && gh api -X POST .*staging\/deployment-branch-policies -f name=main/,
    );
    expect(result.expected.environments).toContainEqual({
      name: 'staging',
      jobs: ['.github/workflows/apply.yml: staging'],
    });
  });

  it('development, which deploy-development.yml names, deploying from another branch or missing', async () => {
    github.environments.get('development')!.branchPolicies.push({
      id: 3,
      name: 'feature/*',
      type: 'branch',
    });
    const result = await check();
    expect(problems(result)).toEqual([
      expect.stringMatching(
        /^environment development: deploys from other refs than main: branch "feature\/\*"/,
      ),
    ]);
    expect(result.expected.environments).toContainEqual({
      name: 'development',
      jobs: ['.github/workflows/deploy-development.yml: deploy'],
    });
    github.environments.delete('development');
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^environment development: does not exist/),
    ]);
  });

  it('an environment only a workflow names is audited; one the files cannot tell fails the check', async () => {
    const extra: WorkflowFile = {
      path: '.github/workflows/canary.yml',
      text: `on: push\njobs:\n  deploy:\n    environment: { name: canary }\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n  any:\n    environment: \${{ vars.TARGET }}\n    runs-on: ubuntu-latest\n    steps: [{ run: 'true' }]\n`,
    };
    const result = await check({ workflows: [...WORKFLOWS, extra] });
    expect(problems(result)).toEqual([
      expect.stringMatching(/^environment canary: does not exist/),
      expect.stringMatching(
        /^\.github\/workflows\/canary\.yml: any: names environment "\$\{\{ vars\.TARGET \}\}", which cannot be told/,
      ),
    ]);
    expect(github.requests.map((r) => r.path)).toContain(
      '/repos/octocat/my-repo/environments/canary',
    );
  });

  it('a keymaster environment only the listing knows about is checked too', async () => {
    const client = githubClient('admin-token', github.url);
    await client.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
      owner: 'octocat',
      repo: 'my-repo',
      environment_name: 'development-keymaster',
    });
    expect(problems(await check())).toEqual([
      expect.stringMatching(
        /^environment development-keymaster: lets administrators bypass .*can_admins_bypass is true/,
      ),
      expect.stringMatching(/^environment development-keymaster: deploys from any branch/),
    ]);
  });

  it('main without a ruleset or protection requiring reviewed pull requests and code owners', async () => {
    github.rulesets.length = 0;
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^branch main: has no ruleset or branch protection/),
    ]);
    github.protection = {
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: false,
      },
    };
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^branch main: requires a pull request, but not both/),
    ]);
    github.protection = undefined;
    const ruleset = docsJson('main-ruleset.json') as {
      rules: { type: string; parameters?: Record<string, unknown> }[];
    };
    github.rulesets.push({
      id: 7,
      name: 'weak',
      target: 'branch',
      enforcement: 'active',
      conditions: { ref_name: { include: ['~DEFAULT_BRANCH'], exclude: [] } },
      rules: ruleset.rules.map((r) =>
        r.type === 'pull_request'
          ? { ...r, parameters: { ...r.parameters, require_code_owner_review: false } }
          : r,
      ),
    });
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^branch main: requires a pull request, but not both/),
    ]);
    // a ruleset that only evaluates protects nothing
    github.rulesets[0] = { ...github.rulesets[0]!, enforcement: 'evaluate', rules: ruleset.rules };
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^branch main: has no ruleset/),
    ]);
  });

  it('a token without admin read (403): a ruleset still proves main; without one the check says what it could not read', async () => {
    const withoutAdmin = await check({ token: 'no-admin-token' });
    expect(withoutAdmin.ok).toBe(true);
    expect(withoutAdmin.findings).toEqual([
      expect.objectContaining({
        subject: 'branch main',
        severity: 'unknown',
        problem: expect.stringMatching(/who may bypass the ruleset requiring the review/),
      }),
    ]);
    github.rulesets.length = 0;
    github.protection = {
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: true,
      },
    };
    const result = await check({ token: 'no-admin-token' });
    expect(problems(result)).toEqual([
      expect.stringMatching(/^branch main: has no ruleset/),
      expect.stringMatching(
        /^branch main: could not read its classic branch protection: GitHub answered 403 \(Resource not accessible by personal access token\)/,
      ),
    ]);
    expect(result.findings[1]!.fix).toMatch(/Administration: read/);
  });

  it('main protected, but with someone allowed to bypass the review', async () => {
    github.rulesets[0]!.bypass_actors = [
      { actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' },
    ];
    const result = await check();
    expect(problems(result)).toEqual([
      expect.stringMatching(
        /^branch main: ruleset "main: reviewed pull requests only" lets RepositoryRole 5 \(always\) bypass it/,
      ),
    ]);
    expect(result.findings[0]!.fix).toMatch(
      /gh api -X PUT repos\/octocat\/my-repo\/rulesets\/\d+ --input docs\/github\/main-ruleset\.json/,
    );
    // a second ruleset requiring the review without bypass actors keeps main protected
    const client = githubClient('admin-token', github.url);
    await client.request('POST /repos/{owner}/{repo}/rulesets', {
      owner: 'octocat',
      repo: 'my-repo',
      ...(docsJson('main-ruleset.json') as { name: string; enforcement: 'active' }),
    });
    expect((await check()).findings).toEqual([]);
    // classic protection that exempts administrators
    github.rulesets.length = 0;
    github.protection = {
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: true,
      },
      enforce_admins: { enabled: false },
    };
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^branch main: its branch protection does not apply to administrators/),
    ]);
  });

  it('CODEOWNERS missing or leaving a directory unowned', async () => {
    github.files.clear();
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^CODEOWNERS: no CODEOWNERS file/),
    ]);
    github.files.set(
      '.github/CODEOWNERS',
      '/environments/ @o/t\n/.github/ @o/t\n/actions/ @o/t\n/src/ @o/t\n',
    );
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^\.github\/CODEOWNERS: does not give dist\/ an owner/),
    ]);
    // the last matching rule wins: an owner-less rule below un-owns
    github.files.set('.github/CODEOWNERS', `${read('.github/CODEOWNERS')}\n/actions/keymaster/\n`);
    expect(problems(await check())).toEqual([
      expect.stringMatching(/^\.github\/CODEOWNERS: does not give actions\/ an owner/),
    ]);
  });

  it('the OIDC subject format differing from the environment files', async () => {
    // the repository issues immutable subjects, the files trust legacy ones
    expect(problems(await check({ subjectPrefix: null }))).toEqual([
      expect.stringMatching(
        /staging\.yaml \(github\.subjectPrefix\) makes the roles trust "repo:octocat\/my-repo", but GitHub issues .*"repo:octocat@123456\/my-repo@456789"/,
      ),
      expect.stringMatching(/production\.yaml .*"repo:octocat\/my-repo", but GitHub issues/),
    ]);
    // the reverse
    github.oidc = {
      use_default: true,
      use_immutable_subject: false,
      sub_claim_prefix: `repo:${REPO}`,
    };
    const reverse = await check();
    expect(problems(reverse)).toHaveLength(2);
    expect(reverse.findings[0]!.fix).toMatch(/remove github\.subjectPrefix/);
    // only the flag, no prefix: formats are compared
    github.oidc = { use_default: true, use_immutable_subject: false };
    expect(problems(await check())).toEqual([
      expect.stringMatching(/but GitHub issues .* with the legacy format/),
      expect.stringMatching(/but GitHub issues .* with the legacy format/),
    ]);
  });

  it("immutable ids that are not the repository's", async () => {
    const wrong = 'repo:octocat@123456/my-repo@999999';
    github.oidc = { use_default: true, use_immutable_subject: true };
    expect(problems(await check({ subjectPrefix: wrong }))).toEqual([
      expect.stringMatching(
        /names owner id 123456 and repository id 999999, but octocat\/my-repo has 123456 and 456789/,
      ),
      expect.stringMatching(/names owner id 123456 and repository id 999999/),
    ]);
  });

  it('a custom subject template', async () => {
    github.oidc = { use_default: false, include_claim_keys: ['repo', 'context'] };
    expect(problems(await check())).toEqual([
      expect.stringMatching(/custom subject template \(repo, context\)/),
    ]);
  });

  it('an unknown format is said, and does not fail the check', async () => {
    github.oidc = { use_default: true };
    const result = await check();
    expect(result.ok).toBe(true);
    expect(result.findings.map((f) => f.severity)).toEqual(['unknown', 'unknown']);
    expect(result.findings[0]!.problem).toMatch(
      /neither sub_claim_prefix nor use_immutable_subject/,
    );
    github.oidc = undefined;
    const missing = await check();
    expect(missing.ok).toBe(true);
    expect(missing.findings).toEqual([
      expect.objectContaining({ area: 'oidc', severity: 'unknown' }),
    ]);
  });
});

describe('nomad-ops github check', () => {
  /** A working directory with staging and production files for octocat/my-repo. */
  function workspace(subjectPrefix?: string) {
    const dir = mkdtempSync(path.join(tmpdir(), 'github-check-'));
    mkdirSync(path.join(dir, 'environments'));
    cpSync(path.join(repoRoot, '.github/workflows'), path.join(dir, '.github/workflows'), {
      recursive: true,
    });
    for (const name of ['staging', 'production']) {
      const text = read(`environments/${name}.yaml`).replace(
        /^github:\n(?:[ ]+.*\n)+/m,
        `github:\n  repository: ${REPO}\n${subjectPrefix ? `  subjectPrefix: '${subjectPrefix}'\n` : ''}`,
      );
      writeFileSync(path.join(dir, 'environments', `${name}.yaml`), text);
    }
    return dir;
  }
  const env = (token = 'admin-token') => ({ GITHUB_TOKEN: token, GITHUB_API_URL: github.url });

  it('exits 0 on the documented settings and 1 naming each problem with its fix', async () => {
    const cwd = workspace(IMMUTABLE);
    const ok = await cli(['github', 'check', '--repo', REPO], { cwd, env: env() });
    expect([ok.code, ok.stdout.trim()]).toEqual([0, `GitHub settings of ${REPO}: OK`]);

    github.environments.get('production')!.environment.can_admins_bypass = true;
    github.files.clear();
    const bad = await cli(['github', 'check', '--repo', REPO], { cwd, env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /: 2 problems\n✗ environment production: lets administrators bypass/,
    );
    expect(bad.stdout).toMatch(
      /\n {4}fix: gh api -X PUT repos\/octocat\/my-repo\/environments\/production/,
    );
    expect(bad.stdout).toMatch(/✗ CODEOWNERS: no CODEOWNERS file/);
  });

  it('--json gives the findings; --env picks the files', async () => {
    const cwd = workspace();
    const run = await cli(['github', 'check', '--repo', REPO, '--env', 'production', '--json'], {
      cwd,
      env: env(),
    });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as {
      ok: boolean;
      findings: { area: string }[];
      expected: unknown;
    };
    expect(json.ok).toBe(false);
    expect(json.findings.map((f) => f.area)).toEqual(['oidc']);
    expect(json.expected).toMatchObject({
      subjectPrefixes: [
        {
          source: path.join(cwd, 'environments/production.yaml'),
          prefix: `repo:${REPO}`,
          format: 'legacy',
        },
      ],
      unresolved: [],
    });
    expect(
      (json.expected as { environments: { name: string }[] }).environments.map((e) => e.name),
    ).toEqual([
      'development',
      'github-settings',
      'production',
      'production-keymaster',
      'staging',
      'staging-keymaster',
    ]);
  });

  it('bad input exits 2 before any request; a refused token exits 1', async () => {
    const cwd = workspace();
    const noToken = await cli(['github', 'check', '--repo', REPO], {
      cwd,
      env: { GITHUB_API_URL: github.url },
    });
    expect([noToken.code, noToken.stderr]).toEqual([
      2,
      expect.stringMatching(/GITHUB_TOKEN is not set/),
    ]);
    const badRepo = await cli(['github', 'check', '--repo', 'not a repo'], { cwd, env: env() });
    expect([badRepo.code, badRepo.stderr]).toEqual([
      2,
      expect.stringMatching(/--repo is "not a repo", expected owner\/name/),
    ]);
    const otherRepo = await cli(['github', 'check', '--repo', 'someone/else'], { cwd, env: env() });
    expect([otherRepo.code, otherRepo.stderr]).toEqual([
      2,
      expect.stringMatching(/github\.repository is octocat\/my-repo, but --repo is someone\/else/),
    ]);
    const noWorkflows = await cli(['github', 'check', '--repo', REPO, '--workflows', 'nowhere'], {
      cwd,
      env: env(),
    });
    expect([noWorkflows.code, noWorkflows.stderr]).toEqual([
      2,
      expect.stringMatching(
        /no workflow files in nowhere: run github check from the repository's checkout/,
      ),
    ]);
    expect(github.requests).toEqual([]);
    const refused = await cli(['github', 'check', '--repo', REPO], { cwd, env: env('bad-token') });
    expect([refused.code, refused.stderr]).toEqual([
      1,
      expect.stringMatching(/GitHub refused the token \(401/),
    ]);
  });
});

describe('the environments the workflows name', () => {
  it('are read from the files: literal names, a matrix built from a choice input and a JSON list', () => {
    const named = workflowEnvironments(WORKFLOWS);
    expect(named.unresolved).toEqual([]);
    expect(named.environments.map((e) => e.name)).toEqual([
      'development',
      'github-settings',
      'production',
      'production-keymaster',
      'staging',
      'staging-keymaster',
    ]);
    expect(named.environments.find((e) => e.name === 'production-keymaster')?.jobs).toEqual([
      '.github/workflows/keymaster.yml: keymaster',
    ]);
  });

  it('expand matrix lists and include entries, and refuse a free-text input', () => {
    const file = (text: string): WorkflowFile[] => [{ path: 'w.yml', text }];
    const matrix = workflowEnvironments(
      file(
        `on: push\njobs:\n  j:\n    environment: \${{ matrix.env }}-x\n    strategy:\n      matrix:\n        env: [a, b]\n        include: [{ env: c }]\n`,
      ),
    );
    expect(matrix.environments.map((e) => e.name)).toEqual(['a-x', 'b-x', 'c-x']);
    const free = workflowEnvironments(
      file(
        `on:\n  workflow_dispatch:\n    inputs:\n      env: { type: string }\njobs:\n  j:\n    environment: \${{ inputs.env }}\n`,
      ),
    );
    expect(free.unresolved).toEqual([
      {
        job: 'w.yml: j',
        value: '${{ inputs.env }}',
        reason: 'input env is not a choice, so any name could be given',
      },
    ]);
  });
});
