/**
 * The real apply.yml's production jobs, rehearsed offline (see rehearse.ts) on moto with the
 * recording GitHub stand-in: production is planned at the commit the staging job applied, never at
 * a newer main (the run stops and the newer run carries main); the gated job refuses an approver
 * who authored or merged a commit it carries, before any credential or write, and applies when
 * someone else approved.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsFundingRecord } from '../../src/aws/funding-record.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub, type FakeAccount } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { commitAll, loadWorkflow, runJob, type JobResult, type World } from './rehearse.js';

const ACCOUNT = nextAccountId();
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const RUN_ID = '8';
const APPLY = readFileSync(
  path.resolve(import.meta.dirname, '../../.github/workflows/apply.yml'),
  'utf8',
);
const alice: FakeAccount = { login: 'alice', id: 11 };
const carol: FakeAccount = { login: 'carol', id: 13 };
const dave: FakeAccount = { login: 'dave', id: 14 };

let github: FakeGithub;
let workspace: string;
let aws: Record<string, string>;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  workspace = workspaceWithAccounts(
    { production: ACCOUNT },
    { bucketSuffix: bucketSuffix(ACCOUNT) },
  );
  aws = await motoEnv(requireMotoUrl(), ACCOUNT);
  const bootstrap = await cli(['iam', 'apply', '--env', 'production'], {
    cwd: workspace,
    env: aws,
  });
  expect(bootstrap.code, bootstrap.stdout + bootstrap.stderr).toBe(0);
});
afterAll(async () => {
  await github.stop();
});

/** A commit on main, by `author` through a pull request `merger` merged (as GitHub shows it). */
function merge(message: string, author: FakeAccount, merger: FakeAccount): string {
  const sha = commitAll(workspace, message);
  github.history.push({
    sha,
    commit: {
      message,
      author: { name: author.login, email: `${author.login}@example.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    author,
    committer: { login: 'web-flow', id: 19864447 },
  });
  github.pullsByCommit.set(sha, [
    {
      number: github.history.length,
      merged_at: '2026-12-01T00:00:00Z',
      merge_commit_sha: sha,
      user: author,
      merged_by: merger,
    },
  ]);
  return sha;
}

function world(main: () => string, staged: string): World {
  return {
    workspace,
    github: {
      repository: REPOSITORY,
      sha: staged,
      run_id: RUN_ID,
      run_attempt: '1',
      token: 'job-token',
      event_name: 'push',
      event: { ref: 'refs/heads/main', after: staged },
    },
    vars: {
      NOMAD_PLAN_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-production-plan`,
      NOMAD_APPLY_ROLE_ARN_PRODUCTION: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-production-apply`,
    },
    secrets: {},
    aws,
    env: { GITHUB_API_URL: github.url },
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: main,
    // The staging job succeeded, having applied `staged`.
    needs: { staging: { result: 'success', outputs: { commit: staged } } },
  };
}

const trace = (job: JobResult) =>
  JSON.stringify(job.steps.map((s) => [s.name, s.outcome, s.log.slice(-500)]));
const step = (job: JobResult, prefix: string) => {
  const found = job.steps.find((s) => s.name.startsWith(prefix));
  if (!found) throw new Error(`no step "${prefix}…"`);
  return found;
};

async function productionRecord() {
  const env = loadEnvironment('production', workspace);
  const clients = await awsForEnvironment(env, aws);
  return kmsFundingRecord(clients.kms, 'alias/production-bank').read();
}

describe('apply.yml rehearsed (production)', () => {
  it('plans production at the commit staging applied; when main moved on, stops before planning', async () => {
    const staged = merge('a change staging applied', alice, carol);
    const newer = merge('merged while staging applied', alice, carol);
    const w = world(() => newer, staged);
    const plan = await runJob(loadWorkflow(APPLY), 'plan-production', w);
    expect(plan.result, trace(plan)).toBe('failure');
    expect(step(plan, 'Commit being applied').log).toContain(
      `main is at ${newer.slice(0, 7)}, not ${staged.slice(0, 7)} as staging applied`,
    );
    expect(step(plan, 'Plan keys').outcome).toBe('skipped');
    expect(readdirSync(w.artifacts)).toEqual([]);
  }, 300_000);

  it('refuses an approver who merged a commit the apply carries, before any credential or write', async () => {
    const head = merge('raise a production cap', alice, carol);
    const w = world(() => head, head);
    const workflow = loadWorkflow(APPLY);
    const plan = await runJob(workflow, 'plan-production', w);
    expect(plan.result, trace(plan)).toBe('success');
    expect(plan.outputs.commit).toBe(head);
    w.needs = { 'plan-production': { result: plan.result, outputs: plan.outputs } };

    github.approvals.set(RUN_ID, [
      { state: 'approved', user: carol, environments: [{ name: 'production' }], comment: 'lgtm' },
    ]);
    github.clearRequests();
    const refused = await runJob(workflow, 'production', w);
    expect(refused.result).toBe('failure');
    const check = step(refused, 'Approval check');
    expect(check.outcome).toBe('failure');
    // No commit is recorded on the production bank yet: the whole history counts.
    expect(check.log).toMatch(
      new RegExp(
        `carol approved it but merged commit ${head.slice(0, 7)} "raise a production cap"`,
      ),
    );
    expect(check.log).toContain('no commit is recorded on the bank');
    for (const name of ['AWS credentials', 'Apply the approved plan']) {
      expect(step(refused, name).outcome, name).toBe('skipped');
    }
    expect(github.writes()).toEqual([]);
    expect(github.requests.some((r) => r.path.endsWith(`/actions/runs/${RUN_ID}/approvals`))).toBe(
      true,
    );
    expect(await productionRecord()).toEqual({ bank: 'missing' });

    // Another reviewer, who wrote and merged none of it: the same run applies.
    github.approvals.set(RUN_ID, [
      { state: 'approved', user: dave, environments: [{ name: 'production' }], comment: '' },
    ]);
    const applied = await runJob(workflow, 'production', w);
    expect(applied.result, trace(applied)).toBe('success');
    expect(step(applied, 'Approval check').log).toContain('dave approved production');
    expect(await productionRecord()).toMatchObject({ bank: 'found', record: { commit: head } });
    expect(existsSync(path.join(workspace, 'environments/production.yaml'))).toBe(true);
  }, 600_000);
});
