/**
 * The alerting workflows rehearsed offline (see rehearse.ts) with a recording GitHub stand-in and
 * a recording server standing in for a Slack-compatible webhook and PagerDuty's Events API v2:
 * - drift.yml on moto: a clean staging opens nothing; a privilege added by hand opens staging's
 *   tracking issue (and alerts once); the same finding again changes nothing; removing it closes
 *   the issue (and resolves the PagerDuty incident);
 * - keymaster.yml's alert job starts on a cancelled run and alerts naming the environment;
 * - keymaster-watchdog.yml alerts for the environment whose last success is stale, only;
 * - apply.yml's alert job alerts a failed apply, deploy-development.yml's a failed deploy;
 * and no webhook URL or routing key appears in any log, summary, output, issue or comment.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AttachGroupPolicyCommand,
  CreatePolicyCommand,
  DetachGroupPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub, type FakeRun } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { RecordingWebhooks } from '../notify/recording-webhooks.js';
import {
  commitAll,
  jobStarts,
  loadWorkflow,
  runJob,
  type JobResult,
  type World,
} from './rehearse.js';

const ACCOUNT = nextAccountId();
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const ROOT = path.resolve(import.meta.dirname, '../..');
const workflowText = (name: string) =>
  readFileSync(path.join(ROOT, '.github/workflows', name), 'utf8');
const SLACK_PATH = '/services/T0LEAKSLACK1/B0LEAKSLACK2/LeakSlackWebhookToken000001';
const ROUTING_KEY = 'R0UTINGKEYLEAK0000000000000000001';

let github: FakeGithub;
let hooks: RecordingWebhooks;
let workspace: string;
let aws: Record<string, string>;
let sha: string;
const runs: JobResult[] = [];

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  hooks = await new RecordingWebhooks().start();
  workspace = workspaceWithAccounts({ staging: ACCOUNT }, { bucketSuffix: bucketSuffix(ACCOUNT) });
  mkdirSync(path.join(workspace, '.github/workflows'), { recursive: true });
  copyFileSync(
    path.join(ROOT, '.github/workflows/keymaster.yml'),
    path.join(workspace, '.github/workflows/keymaster.yml'),
  );
  aws = await motoEnv(requireMotoUrl(), ACCOUNT);
  sha = commitAll(workspace, 'main');
  // staging as applied: the administrator's bootstrap and IAM, the keys (recording this commit's
  // funding settings on the bank) and the bucket.
  for (const args of [
    ['iam', 'apply'],
    ['keys', 'apply'],
    ['bucket', 'apply'],
  ]) {
    const run = await cli([...args, '--env', 'staging'], {
      cwd: workspace,
      env: { ...aws, GITHUB_SHA: sha },
    });
    expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
  }
}, 300_000);
afterAll(async () => {
  await github?.stop();
  await hooks?.stop();
});
beforeEach(() => {
  hooks.requests.length = 0;
  hooks.failWith = undefined;
});

function world(runId: string, matrix: Record<string, string> = {}): World {
  return {
    workspace,
    github: {
      repository: REPOSITORY,
      sha,
      run_id: runId,
      run_attempt: '1',
      token: 'write-token',
      event_name: 'schedule',
      event: {},
    },
    vars: { NOMAD_PLAN_ROLE_ARN_STAGING: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-plan` },
    secrets: {
      NOMAD_ALERT_SLACK_WEBHOOK_URL: `${hooks.url}${SLACK_PATH}`,
      NOMAD_ALERT_PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
    },
    aws,
    env: {
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      NOMAD_ALERT_PAGERDUTY_URL: `${hooks.url}/v2/enqueue`,
    },
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: () => sha,
    needs: {},
    matrix,
  };
}

const trace = (run: JobResult) =>
  JSON.stringify(
    run.steps.map((s) => [s.name, s.outcome, s.log.replace(/^::add-mask::.*\n/gm, '').slice(-800)]),
  );

async function run(file: string, job: string, w: World): Promise<JobResult> {
  const result = await runJob(loadWorkflow(workflowText(file)), job, w);
  runs.push(result);
  return result;
}

const stagingDrift = () =>
  github.issues.filter((i) => i.body.includes('<!-- nomad-agent-ops:drift:staging -->'));
const slackTexts = () => hooks.slack().map((r) => (r.body as { text: string }).text);
const pagerDuty = () =>
  hooks.pagerDuty().map(
    (r) =>
      r.body as {
        event_action: string;
        dedup_key: string;
        routing_key: string;
        payload?: { summary: string };
      },
  );

describe('drift.yml rehearsed (staging on moto)', () => {
  const drift = (id: string) =>
    run(
      'drift.yml',
      'drift',
      world(id, {
        environment: 'staging',
        'plan-role': `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-plan`,
      }),
    );

  it('a clean staging opens no issue; a privilege added by hand opens it; removing it closes it', async () => {
    const clean = await drift('101');
    expect(clean.result, trace(clean)).toBe('success');
    expect(clean.steps.at(-1)!.summary).toContain('Clean');
    expect(stagingDrift()).toHaveLength(0);
    expect(hooks.requests).toHaveLength(0);

    const env = loadEnvironment('staging', workspace);
    const { iam } = await awsForEnvironment(env, aws);
    const admin = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'admin-by-hand',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      )
    ).Policy!.Arn!;
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: admin }));

    const found = await drift('102');
    expect(found.result, trace(found)).toBe('success');
    expect(found.steps.find((s) => s.name === 'Plan IAM')!.outcome).toBe('failure');
    const [issue] = stagingDrift();
    expect(issue).toBeDefined();
    expect(issue!.state).toBe('open');
    expect(issue!.labels).toEqual(['drift']);
    expect(issue!.body).toContain('Changed by hand (drift)');
    expect(issue!.body).toContain('admin-by-hand');
    expect(issue!.body).toContain('docs/runbooks/drift.md#driftfound');
    expect(slackTexts()).toHaveLength(1);
    expect(slackTexts()[0]).toContain('[staging] DriftFound');
    expect(pagerDuty().map((e) => e.event_action)).toEqual(['trigger']);

    // The same findings again: the issue stays as it is, nobody is paged twice.
    hooks.requests.length = 0;
    const again = await drift('103');
    expect(again.result, trace(again)).toBe('success');
    expect(stagingDrift()).toHaveLength(1);
    expect(hooks.requests).toHaveLength(0);

    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: admin }));
    const fixed = await drift('104');
    expect(fixed.result, trace(fixed)).toBe('success');
    expect(stagingDrift().map((i) => i.state)).toEqual(['closed']);
    expect(github.commentsOn(issue!.number).at(-1)!.body).toContain('staging is clean');
    expect(pagerDuty().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['resolve', `nomad-agent-ops/${REPOSITORY}/staging/DriftFound`],
    ]);
  }, 600_000);
});

const job = (
  name: string,
  conclusion: string | null,
  failedStep?: string,
  completedAt: string | null = null,
): FakeRun['jobs'][number] => ({
  name,
  status: conclusion ? 'completed' : 'in_progress',
  conclusion,
  completed_at: completedAt,
  steps: failedStep
    ? [
        { name: 'Set up job', conclusion: 'success' },
        { name: failedStep, conclusion },
      ]
    : [],
});

describe('keymaster.yml alert job rehearsed', () => {
  const workflow = loadWorkflow(workflowText('keymaster.yml'));

  it('starts on a failed or a cancelled run, not on a successful one', () => {
    const w = world('1');
    const needs = (result: string) => ({ keymaster: { result, outputs: {} } });
    expect(
      jobStarts(workflow, 'alert', { ...w, needs: needs('failure') }, { cancelled: false }),
    ).toBe(true);
    expect(
      jobStarts(workflow, 'alert', { ...w, needs: needs('cancelled') }, { cancelled: true }),
    ).toBe(true);
    expect(
      jobStarts(workflow, 'alert', { ...w, needs: needs('success') }, { cancelled: false }),
    ).toBe(false);
  });

  it('alerts a cancelled run: the environment, the run, what stopped and the runbook, once', async () => {
    github.runs.unshift({
      id: 201,
      workflow: 'keymaster.yml',
      branch: 'main',
      event: 'schedule',
      status: 'in_progress',
      conclusion: null,
      created_at: new Date().toISOString(),
      jobs: [
        job('keymaster (staging)', 'success'),
        job('keymaster (production)', 'cancelled', 'Keymaster'),
        job('alert on failure or cancellation', null),
      ],
    });
    const alerted = await run('keymaster.yml', 'alert', world('201'));
    expect(alerted.result, trace(alerted)).toBe('success');
    const issues = github.issues.filter((i) =>
      i.body.includes('<!-- nomad-agent-ops:keymaster:production -->'),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.labels).toEqual(['keymaster-alert']);
    expect(issues[0]!.body).toContain('KeymasterRunCancelled');
    expect(issues[0]!.body).toContain(
      'https://github.com/nomad-xyz/nomad-agent-ops/actions/runs/201',
    );
    expect(issues[0]!.body).toContain(
      'job "keymaster (production)" was cancelled at step "Keymaster"',
    );
    expect(issues[0]!.body).toContain('docs/runbooks/keymaster-alerts.md#keymasterruncancelled');
    expect(github.issues.some((i) => i.body.includes('nomad-agent-ops:keymaster:staging'))).toBe(
      false,
    );
    expect(slackTexts()).toEqual([expect.stringContaining('[production] KeymasterRunCancelled')]);
    expect(pagerDuty()).toEqual([
      expect.objectContaining({
        event_action: 'trigger',
        routing_key: ROUTING_KEY,
        dedup_key: `nomad-agent-ops/${REPOSITORY}/production/KeymasterRunCancelled`,
      }),
    ]);

    // A re-run of the alert job notes nothing twice.
    hooks.requests.length = 0;
    await run('keymaster.yml', 'alert', world('201'));
    expect(hooks.requests).toHaveLength(0);
    expect(github.commentsOn(issues[0]!.number)).toHaveLength(0);
  }, 120_000);

  it('a failing webhook is a warning: the tracking issue has the alert and the job succeeds', async () => {
    hooks.failWith = 500;
    github.runs.unshift({
      id: 202,
      workflow: 'keymaster.yml',
      branch: 'main',
      event: 'schedule',
      status: 'in_progress',
      conclusion: null,
      created_at: new Date().toISOString(),
      jobs: [job('keymaster (production)', 'failure', 'Keymaster')],
    });
    const alerted = await run('keymaster.yml', 'alert', world('202'));
    expect(alerted.result, trace(alerted)).toBe('success');
    expect(alerted.steps.at(-1)!.log).toMatch(
      /::warning::the slack alert was not delivered \(slack answered HTTP 500/,
    );
    expect(alerted.steps.at(-1)!.log).toMatch(/::warning::the pagerduty alert was not delivered/);
    const issue = github.issues.find((i) =>
      i.body.includes('<!-- nomad-agent-ops:keymaster:production -->'),
    )!;
    expect(github.commentsOn(issue.number).at(-1)!.body).toContain('KeymasterRunFailed');
  }, 120_000);

  it('no webhook configured: the tracking issue only, and the job succeeds', async () => {
    const w = world('202');
    w.secrets = {};
    github.issues.length = 0;
    const alerted = await run('keymaster.yml', 'alert', w);
    expect(alerted.result, trace(alerted)).toBe('success');
    expect(hooks.requests).toHaveLength(0);
    expect(github.issues).toHaveLength(1);
  }, 120_000);
});

describe('keymaster-watchdog.yml rehearsed', () => {
  it("alerts the environment whose last success is older than three of keymaster.yml's intervals", async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    github.runs.length = 0;
    github.issues.length = 0;
    // Newest first: staging succeeded 20 minutes ago; production last succeeded 100 minutes ago.
    github.runs.push(
      {
        id: 303,
        workflow: 'keymaster.yml',
        branch: 'main',
        event: 'schedule',
        status: 'completed',
        conclusion: 'failure',
        created_at: minutesAgo(25),
        jobs: [
          job('keymaster (staging)', 'success', undefined, minutesAgo(20)),
          job('keymaster (production)', 'failure', 'Keymaster', minutesAgo(20)),
        ],
      },
      {
        id: 302,
        workflow: 'keymaster.yml',
        branch: 'main',
        event: 'schedule',
        status: 'completed',
        conclusion: 'cancelled',
        created_at: minutesAgo(55),
        jobs: [
          job('keymaster (staging)', 'cancelled', undefined, minutesAgo(50)),
          job('keymaster (production)', 'cancelled', undefined, minutesAgo(50)),
        ],
      },
      {
        id: 301,
        workflow: 'keymaster.yml',
        branch: 'main',
        event: 'schedule',
        status: 'completed',
        conclusion: 'success',
        created_at: minutesAgo(105),
        jobs: [
          job('keymaster (staging)', 'success', undefined, minutesAgo(100)),
          job('keymaster (production)', 'success', undefined, minutesAgo(100)),
        ],
      },
    );
    const checked = await run('keymaster-watchdog.yml', 'watchdog', world('400'));
    expect(checked.result, trace(checked)).toBe('success');
    expect(github.issues.map((i) => i.title)).toEqual(['Keymaster (production) needs attention']);
    expect(github.issues[0]!.body).toContain('KeymasterRunStale');
    expect(github.issues[0]!.body).toContain('actions/runs/301');
    expect(github.issues[0]!.body).toContain('every 30 min; stale after 90 min');
    expect(slackTexts()).toEqual([expect.stringContaining('[production] KeymasterRunStale')]);

    // Checked again half an hour later, still stale: noted once, not every check.
    hooks.requests.length = 0;
    await run('keymaster-watchdog.yml', 'watchdog', world('401'));
    expect(hooks.requests).toHaveLength(0);
    expect(github.commentsOn(github.issues[0]!.number)).toHaveLength(0);

    // Production succeeds again: the next check resolves the incident, once.
    github.runs.unshift({
      id: 304,
      workflow: 'keymaster.yml',
      branch: 'main',
      event: 'schedule',
      status: 'completed',
      conclusion: 'success',
      created_at: minutesAgo(5),
      jobs: [
        job('keymaster (staging)', 'success', undefined, minutesAgo(2)),
        job('keymaster (production)', 'success', undefined, minutesAgo(2)),
      ],
    });
    await run('keymaster-watchdog.yml', 'watchdog', world('402'));
    expect(pagerDuty().map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['resolve', `nomad-agent-ops/${REPOSITORY}/production/KeymasterRunStale`],
    ]);
    expect(slackTexts()).toEqual([expect.stringContaining('KeymasterRunStale (resolved)')]);
    expect(github.commentsOn(github.issues[0]!.number).at(-1)!.body).toContain('(resolved)');
    hooks.requests.length = 0;
    await run('keymaster-watchdog.yml', 'watchdog', world('403'));
    expect(hooks.requests).toHaveLength(0);
  }, 120_000);
});

describe('apply.yml alert job rehearsed', () => {
  it('a failed production apply opens the apply issue of production', async () => {
    const workflow = loadWorkflow(workflowText('apply.yml'));
    const needs = {
      'plan-staging': { result: 'success', outputs: {} },
      staging: { result: 'success', outputs: {} },
      'plan-production': { result: 'success', outputs: {} },
      production: { result: 'failure', outputs: {} },
    };
    expect(jobStarts(workflow, 'alert', { ...world('500'), needs }, { cancelled: false })).toBe(
      true,
    );
    github.runs.unshift({
      id: 500,
      workflow: 'apply.yml',
      branch: 'main',
      event: 'push',
      status: 'in_progress',
      conclusion: null,
      created_at: new Date().toISOString(),
      jobs: [
        job('plan (production)', 'success'),
        job('apply (production)', 'failure', 'Apply IAM'),
      ],
    });
    const alerted = await run('apply.yml', 'alert', { ...world('500'), needs });
    expect(alerted.result, trace(alerted)).toBe('success');
    const issue = github.issues.find((i) =>
      i.body.includes('<!-- nomad-agent-ops:apply:production -->'),
    );
    expect(issue?.body).toContain('job "apply (production)" failed at step "Apply IAM"');
    expect(slackTexts()).toEqual([expect.stringContaining('[production] ApplyFailed')]);
  }, 120_000);
});

describe('deploy-development.yml alert job rehearsed', () => {
  it('a failed development deploy opens the apply issue of development; a success alerts nothing', async () => {
    const workflow = loadWorkflow(workflowText('deploy-development.yml'));
    const ok = { deploy: { result: 'success', outputs: {} } };
    expect(jobStarts(workflow, 'alert', { ...world('600'), needs: ok }, { cancelled: false })).toBe(
      false,
    );
    const needs = { deploy: { result: 'failure', outputs: {} } };
    expect(jobStarts(workflow, 'alert', { ...world('600'), needs }, { cancelled: false })).toBe(
      true,
    );
    github.runs.unshift({
      id: 600,
      workflow: 'deploy-development.yml',
      branch: 'main',
      event: 'push',
      status: 'in_progress',
      conclusion: null,
      created_at: new Date().toISOString(),
      jobs: [job('deploy (development)', 'failure', 'Apply the plan')],
    });
    const alerted = await run('deploy-development.yml', 'alert', { ...world('600'), needs });
    expect(alerted.result, trace(alerted)).toBe('success');
    const issue = github.issues.find((i) =>
      i.body.includes('<!-- nomad-agent-ops:apply:development -->'),
    );
    expect(issue?.body).toContain('job "deploy (development)" failed at step "Apply the plan"');
    expect(slackTexts()).toEqual([expect.stringContaining('[development] ApplyFailed')]);
  }, 120_000);
});

describe('secrets', () => {
  it('no webhook URL or routing key in any log, summary, output, issue or comment', () => {
    expect(runs.length).toBeGreaterThan(5);
    const everything = JSON.stringify({
      runs: runs.map((r) => ({
        ...r,
        steps: r.steps.map((s) => ({ ...s, log: s.log.replace(/^::add-mask::.*$/gm, '') })),
      })),
      issues: github.issues,
      comments: github.comments,
      slack: slackTexts(),
    });
    for (const secret of [
      'T0LEAKSLACK1',
      'B0LEAKSLACK2',
      'LeakSlackWebhookToken000001',
      ROUTING_KEY,
    ]) {
      expect(everything).not.toContain(secret);
    }
    // The runner was told to mask them before anything else.
    const masks = runs.flatMap((r) => r.steps.map((s) => s.log)).join('\n');
    expect(masks).toContain(`::add-mask::${ROUTING_KEY}`);
    expect(masks).toContain('::add-mask::LeakSlackWebhookToken000001');
  });
});
