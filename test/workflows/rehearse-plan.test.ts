/**
 * The real plan.yml, rehearsed offline (see rehearse.ts) for staging on moto with a recording
 * GitHub stand-in: a pull request from this repository gets the plan comment (funding settings
 * included); a pull request from a fork gets the offline plan in the job summary and no comment.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { commitAll, loadWorkflow, runJob, type World } from './rehearse.js';

const ACCOUNT = nextAccountId();
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const PR = 51;
const PLAN = readFileSync(
  path.resolve(import.meta.dirname, '../../.github/workflows/plan.yml'),
  'utf8',
);

let github: FakeGithub;
let workspace: string;
let aws: Record<string, string>;
let sha: string;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  workspace = workspaceWithAccounts({ staging: ACCOUNT }, { bucketSuffix: bucketSuffix(ACCOUNT) });
  aws = await motoEnv(requireMotoUrl(), ACCOUNT);
  sha = commitAll(workspace, 'pull request head');
  // The administrator's one-time bootstrap (OIDC provider and roles), as docs/github-setup.md says.
  const bootstrap = await cli(['iam', 'apply', '--env', 'staging'], { cwd: workspace, env: aws });
  expect(bootstrap.code, bootstrap.stdout + bootstrap.stderr).toBe(0);
});
afterAll(async () => {
  await github.stop();
});
beforeEach(() => {
  github.comments.length = 0;
});

function world(headRepository: string, token: string): World {
  return {
    workspace,
    github: {
      repository: REPOSITORY,
      sha,
      run_id: '9',
      run_attempt: '1',
      token,
      event_name: 'pull_request',
      event: {
        number: PR,
        pull_request: { number: PR, head: { sha, repo: { full_name: headRepository } } },
        repository: { full_name: REPOSITORY },
      },
    },
    vars: { NOMAD_PLAN_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-plan` },
    secrets: {},
    aws,
    env: { GITHUB_API_URL: github.url },
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: () => sha,
    needs: {},
    matrix: { environment: 'staging' },
  };
}

describe('plan.yml rehearsed (staging)', () => {
  it('a pull request from this repository gets one plan comment with the funding settings', async () => {
    const run = await runJob(loadWorkflow(PLAN), 'plan', world(REPOSITORY, 'write-token'));
    const trace = JSON.stringify(
      run.steps.map((s) => [
        s.name,
        s.outcome,
        s.log.replace(/^::add-mask::.*\n/gm, '').slice(-600),
      ]),
    );
    expect(run.result, trace).toBe('success');
    expect(run.steps.find((s) => s.name === 'Offline plan (no credentials)')?.outcome).toBe(
      'skipped',
    );
    const comments = github.commentsOn(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('<!-- nomad-agent-ops:plan:staging -->');
    expect(comments[0]!.body).toContain('### Funding settings');
    expect(comments[0]!.body).toMatch(/Funding settings change/);
    expect(comments[0]!.body).toContain('alias/staging-bank');
    // No public RPC secret is set, and the job gets no staging one: the comment says so.
    expect(run.steps.find((s) => s.name.startsWith('Keymaster check'))?.outcome).toBe('skipped');
    expect(comments[0]!.body).toContain(
      'Balances not read. Pull-request jobs get no staging RPC secret, and NOMAD_PUBLIC_RPC_URLS_STAGING (public endpoints only) is not set.',
    );
  }, 300_000);

  it('a pull request from a fork gets the offline plan and no comment', async () => {
    const run = await runJob(
      loadWorkflow(PLAN),
      'plan',
      world('someone/nomad-agent-ops', 'read-only-token'),
    );
    const trace = JSON.stringify(
      run.steps.map((s) => [
        s.name,
        s.outcome,
        s.log.replace(/^::add-mask::.*\n/gm, '').slice(-600),
      ]),
    );
    expect(run.result, trace).toBe('success');
    for (const name of ['AWS credentials (plan role)', 'Plan keys and funding settings']) {
      expect(run.steps.find((s) => s.name === name)?.outcome, name).toBe('skipped');
    }
    const report = run.steps.find((s) => s.name === 'Report')!;
    expect(report.outcome).toBe('success');
    expect(report.summary).toContain('Offline plan');
    expect(github.commentsOn(PR)).toHaveLength(0);
  }, 300_000);
});
