/**
 * The real apply.yml, rehearsed job by job offline (see rehearse.ts): the staging plan job and
 * the staging apply job on moto, with a recording GitHub stand-in. A merge whose artifact
 * matches is applied and its final table commented; AWS that moved between the plan job (what
 * reviewers approved) and the gated job's one read is refused with nothing written, and the next
 * run applies the state as it is; a funding change is in the plan and its hash; a wiring mistake
 * (the artifact path wrong in one place) makes the gated job fail before any write.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreatePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsFundingRecord } from '../../src/aws/funding-record.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { inventoryOf, loadEnvironment } from '../../src/jobs/environment.js';
import { samePolicy } from '../../src/plan/policy-document.js';
import { STATE_CHANGED } from '../../src/report/approved-plan.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { commitAll, loadWorkflow, runJob, type World } from './rehearse.js';

const ACCOUNT = nextAccountId();
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const PR = 42;
const APPLY = readFileSync(
  path.resolve(import.meta.dirname, '../../.github/workflows/apply.yml'),
  'utf8',
);

let github: FakeGithub;
let workspace: string;
let aws: Record<string, string>;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  workspace = workspaceWithAccounts({ staging: ACCOUNT }, { bucketSuffix: bucketSuffix(ACCOUNT) });
  aws = await motoEnv(requireMotoUrl(), ACCOUNT);
  // The administrator's one-time bootstrap (OIDC provider and roles), as docs/github-setup.md says.
  const bootstrap = await cli(['iam', 'apply', '--env', 'staging'], { cwd: workspace, env: aws });
  expect(bootstrap.code, bootstrap.stdout + bootstrap.stderr).toBe(0);
});
afterAll(async () => {
  await github.stop();
});

function world(sha: string, attempt: string): World {
  return {
    workspace,
    github: {
      repository: REPOSITORY,
      sha,
      run_id: '7',
      run_attempt: attempt,
      token: 'write-token',
      event_name: 'push',
      event: { ref: 'refs/heads/main', after: sha },
    },
    vars: {
      NOMAD_PLAN_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-plan`,
      NOMAD_APPLY_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-apply`,
    },
    secrets: {},
    aws,
    env: { GITHUB_API_URL: github.url },
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: () => sha,
    needs: {},
  };
}

const APPLY_STEP = 'Apply the approved plan';
const REPORT_STEP = 'Final key and address table on the merged pull request';

const stepNamed = (steps: Array<{ name: string }>, name: string) => {
  const step = steps.find((s) => s.name === name);
  if (!step) throw new Error(`no step "${name}"`);
  return step as (typeof steps)[number] & {
    outcome: string;
    log: string;
    summary: string;
    outputs: Record<string, string>;
  };
};

async function bankRecord() {
  const env = loadEnvironment('staging', workspace);
  const clients = await awsForEnvironment(env, aws);
  return kmsFundingRecord(clients.kms, 'alias/staging-bank').read();
}

describe('apply.yml rehearsed (staging)', () => {
  let firstHash = '';

  it('a merge whose plan artifact matches is applied, and the final table commented', async () => {
    const sha = commitAll(workspace, 'first');
    github.pullsByCommit.set(sha, [
      { number: PR, merged_at: '2026-01-01T00:00:00Z', merge_commit_sha: sha },
    ]);
    const w = world(sha, '1');
    const workflow = loadWorkflow(APPLY);
    const plan = await runJob(workflow, 'plan-staging', w);
    expect(
      plan.result,
      JSON.stringify(plan.steps.map((s) => [s.name, s.outcome, s.log.slice(0, 400)])),
    ).toBe('success');
    expect(plan.outputs.commit).toBe(sha);
    expect(plan.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    firstHash = plan.outputs['plan-hash']!;
    const summary = stepNamed(
      plan.steps,
      'The plan to approve (job summary and plan file)',
    ).summary;
    expect(summary).toContain('Keys and addresses');
    expect(summary).toContain('Funding settings');
    expect(summary).toContain(firstHash.slice(0, 12));

    w.needs = { 'plan-staging': { result: plan.result, outputs: plan.outputs } };
    const applied = await runJob(workflow, 'staging', w);
    expect(
      applied.result,
      JSON.stringify(applied.steps.map((s) => [s.name, s.outcome, s.log.slice(0, 400)])),
    ).toBe('success');
    expect(stepNamed(applied.steps, APPLY_STEP).log).toContain('is the plan approved in this run');
    const record = await bankRecord();
    expect(record).toMatchObject({ bank: 'found', record: { commit: sha } });
    const comments = github
      .commentsOn(PR)
      .filter((c) => c.body.includes('nomad-agent-ops:applied:staging'));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('alias/staging-bank');
  }, 300_000);

  it('a funding change is in the plan and its hash; a plan changed before the gated job is refused, nothing written', async () => {
    const file = path.join(workspace, 'environments/staging.yaml');
    const before = readFileSync(file, 'utf8');
    const changed = before.replace(/capPerRun: '([0-9.]+)'/, "capPerRun: '9999'");
    expect(changed).not.toBe(before);
    writeFileSync(file, changed);
    const sha = commitAll(workspace, 'raise a cap');
    const w = world(sha, '1');
    const workflow = loadWorkflow(APPLY);
    const plan = await runJob(workflow, 'plan-staging', w);
    expect(plan.result).toBe('success');
    expect(plan.outputs['plan-hash']).not.toBe(firstHash);
    const summary = stepNamed(
      plan.steps,
      'The plan to approve (job summary and plan file)',
    ).summary;
    expect(summary).toMatch(/Funding settings change/);
    expect(summary).toMatch(/cap per run \| [^|]+ \| 9999/);

    // Between the plan job and the gated job, someone records other settings on the bank.
    const env = loadEnvironment('staging', workspace);
    const clients = await awsForEnvironment(env, aws);
    const outOfBand = { sha256: 'b'.repeat(64) };
    await kmsFundingRecord(clients.kms, 'alias/staging-bank').write(outOfBand);

    w.needs = { 'plan-staging': { result: plan.result, outputs: plan.outputs } };
    const refused = await runJob(workflow, 'staging', w);
    expect(refused.result).toBe('failure');
    const step = stepNamed(refused.steps, APPLY_STEP);
    expect(step.outcome).toBe('failure');
    expect(step.log).toContain(STATE_CHANGED);
    expect(step.log).toMatch(/funding: what the bank records is not what it recorded at approval/);
    expect(stepNamed(refused.steps, REPORT_STEP).outcome).toBe('skipped');
    expect(await bankRecord()).toMatchObject({ bank: 'found', record: outOfBand });
  }, 300_000);

  it('an IAM policy edited by hand after approval: nothing written; the next run applies', async () => {
    // A pending write (a funding change) so that "nothing written" can be seen.
    const file = path.join(workspace, 'environments/staging.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/capPerRun: '([0-9.]+)'/, "capPerRun: '7777'"),
    );
    const sha = commitAll(workspace, 'another cap');
    const workflow = loadWorkflow(APPLY);
    const w = world(sha, '1');
    const plan = await runJob(workflow, 'plan-staging', w);
    expect(plan.result).toBe('success');
    const recordBefore = await bankRecord();

    // After reviewers read the plan, someone widens a staging policy by hand.
    const env = loadEnvironment('staging', workspace);
    const clients = await awsForEnvironment(env, aws);
    const policy = inventoryOf(env).iam.policies.find((p) => p.name === 'staging-updater-signer')!;
    const widened = structuredClone(policy.document);
    widened.Statement[0]!.Action = ['kms:*'];
    await clients.iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policy.arn,
        PolicyDocument: JSON.stringify(widened),
        SetAsDefault: true,
      }),
    );
    const policyNow = async () => {
      const { Policy } = await clients.iam.send(new GetPolicyCommand({ PolicyArn: policy.arn }));
      const { PolicyVersion } = await clients.iam.send(
        new GetPolicyVersionCommand({ PolicyArn: policy.arn, VersionId: Policy!.DefaultVersionId }),
      );
      return decodeURIComponent(PolicyVersion!.Document!);
    };

    w.needs = { 'plan-staging': { result: plan.result, outputs: plan.outputs } };
    const refused = await runJob(workflow, 'staging', w);
    expect(refused.result).toBe('failure');
    const step = stepNamed(refused.steps, APPLY_STEP);
    expect(step.log).toContain(STATE_CHANGED);
    expect(step.log).toContain(`iam: \`iam-policy ${policy.name}\` approved exists, now update`);
    expect(await bankRecord()).toEqual(recordBefore);
    expect(samePolicy(await policyNow(), widened)).toBe(true);

    // The workflow run again: its plan shows the hand edit; approved, it is applied as planned.
    const again = world(sha, '2');
    const replan = await runJob(workflow, 'plan-staging', again);
    expect(replan.outputs['plan-hash']).not.toBe(plan.outputs['plan-hash']);
    again.needs = { 'plan-staging': { result: replan.result, outputs: replan.outputs } };
    const applied = await runJob(workflow, 'staging', again);
    expect(
      applied.result,
      JSON.stringify(applied.steps.map((s) => [s.name, s.outcome, s.log.slice(-600)])),
    ).toBe('success');
    expect(samePolicy(await policyNow(), policy.document)).toBe(true);
    expect(await bankRecord()).toMatchObject({ bank: 'found', record: { commit: sha } });
  }, 300_000);

  it('a wiring mistake (the artifact path wrong in one place) fails the gated job before any write', async () => {
    const sha = commitAll(workspace, 'again');
    const w = world(sha, '1');
    const miswired = loadWorkflow(
      APPLY.replace('/approved/staging-plan.json', '/approved/plan-staging.json'),
    );
    expect(JSON.stringify(miswired)).toContain('plan-staging.json');
    const plan = await runJob(miswired, 'plan-staging', w);
    w.needs = { 'plan-staging': { result: plan.result, outputs: plan.outputs } };
    const run = await runJob(miswired, 'staging', w);
    expect(run.result).toBe('failure');
    const step = stepNamed(run.steps, APPLY_STEP);
    expect(step.outcome).toBe('failure');
    expect(step.log).toMatch(/approved-plan is neither JSON nor a readable file/);
    expect(step.outputs['keys-json-file']).toBeUndefined();
    expect(stepNamed(run.steps, REPORT_STEP).outcome).toBe('skipped');

    // An old run whose commit is no longer main's head applies nothing either.
    const stale = { ...world(sha, '2'), mainHead: () => 'f'.repeat(40) };
    stale.needs = w.needs;
    const old = await runJob(loadWorkflow(APPLY), 'staging', stale);
    expect(old.result).toBe('failure');
    expect(stepNamed(old.steps, 'The planned commit is still main').outcome).toBe('failure');
    expect(stepNamed(old.steps, APPLY_STEP).outcome).toBe('skipped');
  }, 300_000);
});
