/**
 * `nomad-ops plan --exit-code` on moto (0 clean, 3 when a privilege is added by hand, 2 for bad
 * input) and `nomad-ops alert send|watchdog` against the recording GitHub stand-in and webhooks.
 */
import {
  AttachGroupPolicyCommand,
  CreatePolicyCommand,
  DetachGroupPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { RecordingWebhooks } from './recording-webhooks.js';

const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
let github: FakeGithub;
let hooks: RecordingWebhooks;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  hooks = await new RecordingWebhooks().start();
});
afterAll(async () => {
  await github?.stop();
  await hooks?.stop();
});

describe('nomad-ops plan --exit-code', () => {
  it('exits 0 when nothing is to do, 3 when a privilege was added by hand, 2 with --offline', async () => {
    const account = nextAccountId();
    const cwd = workspaceWithAccounts(
      { staging: account },
      { bucketSuffix: bucketSuffix(account) },
    );
    const env = await motoEnv(requireMotoUrl(), account);
    const plan = (...more: string[]) =>
      cli(['plan', '--env', 'staging', '--exit-code', ...more], { cwd, env });

    const before = await plan();
    expect(before.code, before.stderr).toBe(3); // nothing applied yet: everything is to do
    expect(before.stdout).toContain('Merged on main, not applied');

    for (const args of [
      ['iam', 'apply'],
      ['keys', 'apply'],
      ['bucket', 'apply'],
    ]) {
      const run = await cli([...args, '--env', 'staging'], { cwd, env });
      expect(run.code, `${args.join(' ')}\n${run.stdout}${run.stderr}`).toBe(0);
    }
    const clean = await plan();
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('staging: nothing to do');

    const { iam } = await awsForEnvironment(loadEnvironment('staging', cwd), env);
    const admin = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'by-hand',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      )
    ).Policy!.Arn!;
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: admin }));
    const drifted = await plan('--json');
    expect(drifted.code).toBe(3);
    const json = JSON.parse(drifted.stdout) as { findings: { kind: string; subject: string }[] };
    expect(
      json.findings
        .filter((f) => f.kind === 'drift')
        .map((f) => f.subject)
        .join(),
    ).toContain('by-hand');
    // Without --exit-code a drift row fails the plan, as `iam plan` does.
    expect((await cli(['plan', '--env', 'staging'], { cwd, env })).code).toBe(1);
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'staging-signer', PolicyArn: admin }));
    expect((await plan()).code).toBe(0);

    const offline = await plan('--offline');
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain('--exit-code compares with AWS');
  }, 600_000);
});

describe('nomad-ops alert', () => {
  const slackPath = '/services/T0CLILEAK01/B0CLILEAK02/CliLeakWebhookToken0000001';
  const routingKey = 'CLIROUTINGKEYLEAK000000000000001';
  const env = () => ({
    GITHUB_TOKEN: 'write-token',
    GITHUB_API_URL: github.url,
    NOMAD_ALERT_SLACK_WEBHOOK_URL: `${hooks.url}${slackPath}`,
    NOMAD_ALERT_PAGERDUTY_ROUTING_KEY: routingKey,
    NOMAD_ALERT_PAGERDUTY_URL: `${hooks.url}/v2/enqueue`,
  });

  it('send: the tracking issue, Slack and PagerDuty; never the URL or the key', async () => {
    const run = await cli(
      [
        'alert',
        'send',
        '--repo',
        REPOSITORY,
        '--env',
        'production',
        '--alert',
        'KeymasterBankLow',
        '--what',
        'bank of ethereum below 2 ETH',
        '--json',
      ],
      { env: env() },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]!.body).toContain('bank of ethereum below 2 ETH');
    expect(github.issues[0]!.body).toContain('keymaster-alerts.md#keymasterbanklow');
    expect(hooks.slack()).toHaveLength(1);
    expect(hooks.pagerDuty()[0]!.body).toMatchObject({
      routing_key: routingKey,
      event_action: 'trigger',
    });
    const printed = run.stdout + run.stderr;
    for (const secret of ['T0CLILEAK01', 'B0CLILEAK02', 'CliLeakWebhookToken0000001', routingKey]) {
      expect(printed).not.toContain(secret);
    }
  });

  it('send: an unknown alert name is bad input and sends nothing', async () => {
    const sent = hooks.requests.length;
    const run = await cli(
      ['alert', 'send', '--repo', REPOSITORY, '--env', 'production', '--alert', 'Nope'],
      { env: env() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('alert "Nope" is not one of');
    expect(hooks.requests.length).toBe(sent);
  });

  it('watchdog: without a token it says what to set (exit 2)', async () => {
    const run = await cli(['alert', 'watchdog', '--repo', REPOSITORY], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('GITHUB_TOKEN');
  });
});
