/**
 * The real deploy-development.yml, rehearsed offline (see rehearse.ts) on moto: a push to main
 * plans development and applies that plan in one job, with no reviewer. The hex keys land in
 * Secrets Manager, the bank's secret records the funding settings and the commit, and the key
 * and address table reaches the job summary; a second push with nothing to change creates
 * nothing and records the new commit; AWS that moves between the plan and the apply step
 * makes the apply write nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundingRecordFor } from '../../src/jobs/funding.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysFor } from '../../src/inventory/keys.js';
import { TAG_KEYS } from '../../src/inventory/tags.js';
import { STATE_CHANGED } from '../../src/report/approved-plan.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub } from '../github/fake-github.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { commitAll, loadWorkflow, runJob, type World } from './rehearse.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const ACCOUNT = nextAccountId();
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const DEPLOY = readFileSync(
  path.resolve(import.meta.dirname, '../../.github/workflows/deploy-development.yml'),
  'utf8',
);

let github: FakeGithub;
let workspace: string;
let aws: Record<string, string>;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  workspace = workspaceWithAccounts(
    { development: ACCOUNT },
    { bucketSuffix: bucketSuffix(ACCOUNT) },
  );
  aws = await motoEnv(requireMotoUrl(), ACCOUNT);
  // The administrator's one-time bootstrap (OIDC provider and roles), as docs/github-setup.md says.
  const bootstrap = await cli(['iam', 'apply', '--env', 'development'], {
    cwd: workspace,
    env: aws,
  });
  expect(bootstrap.code, bootstrap.stdout + bootstrap.stderr).toBe(0);
});
afterAll(async () => {
  await github.stop();
});

function world(sha: string): World {
  return {
    workspace,
    github: {
      repository: REPOSITORY,
      sha,
      run_id: '9',
      run_attempt: '1',
      token: 'read-token',
      event_name: 'push',
      event: { ref: 'refs/heads/main', after: sha },
    },
    vars: {
      NOMAD_APPLY_ROLE_ARN_DEVELOPMENT: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-development-apply`,
    },
    secrets: {},
    aws,
    env: { GITHUB_API_URL: github.url },
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: () => sha,
    needs: {},
  };
}

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
const trace = (job: { steps: Array<{ name: string; outcome: string; log: string }> }) =>
  JSON.stringify(job.steps.map((s) => [s.name, s.outcome, s.log.slice(-600)]));

async function clients() {
  const env = loadEnvironment('development', workspace);
  return { env, clients: await awsForEnvironment(env, aws) };
}
async function bankRecord() {
  const { env, clients: c } = await clients();
  return fundingRecordFor(env, c).read();
}
async function developmentSecrets(): Promise<string[]> {
  const { clients: c } = await clients();
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await c.secrets.send(new ListSecretsCommand({ NextToken }));
    names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ''));
    NextToken = page.NextToken;
  } while (NextToken);
  return names.filter((n) => n.startsWith('nomad/development/')).sort();
}

describe('deploy-development.yml rehearsed', () => {
  const workflow = loadWorkflow(DEPLOY);

  it('a push to main creates the keys, records the funding settings and the commit, and shows the table', async () => {
    expect(await developmentSecrets()).toEqual([]);
    const sha = commitAll(workspace, 'first');
    const run = await runJob(workflow, 'deploy', world(sha));
    expect(run.result, trace(run)).toBe('success');

    const { env } = await clients();
    const wanted = keysFor(env)
      .map((k) => k.secretName)
      .filter((n): n is string => !!n)
      .sort();
    expect(wanted.length).toBeGreaterThan(0);
    expect(await developmentSecrets()).toEqual(wanted);
    expect(await bankRecord()).toMatchObject({ bank: 'found', record: { commit: sha } });

    const plan = stepNamed(run.steps, 'The plan (job summary and plan file)');
    expect(plan.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    const apply = stepNamed(run.steps, 'Apply the plan');
    expect(apply.outputs['approved-hash']).toBe(plan.outputs['plan-hash']);
    const table = stepNamed(run.steps, 'Key and address table (job summary)');
    expect(table.outcome).toBe('success');
    expect(table.summary).toContain('alias/development-bank');
    expect(table.summary).toMatch(/0x[0-9a-fA-F]{40}/);
    // Job summary only: nothing is commented anywhere.
    expect(github.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    // The hex keys themselves reach no log or summary.
    const { clients: c } = await clients();
    const bank = keysFor(env).find((k) => k.purpose === 'bank')!.secretName!;
    const hex = (await c.secrets.send(new GetSecretValueCommand({ SecretId: bank }))).SecretString!;
    const everything = run.steps.map((s) => s.log + s.summary + JSON.stringify(s.outputs));
    expect(everything.join('\n')).not.toContain(hex.replace(/^0x/, ''));
  }, 300_000);

  it('the next push with nothing to change writes nothing but the new commit on the bank', async () => {
    const before = await developmentSecrets();
    const sha = commitAll(workspace, 'docs only');
    const run = await runJob(workflow, 'deploy', world(sha));
    expect(run.result, trace(run)).toBe('success');
    expect(await developmentSecrets()).toEqual(before);
    expect(await bankRecord()).toMatchObject({ bank: 'found', record: { commit: sha } });
  }, 300_000);

  it('AWS that moves between the plan and the apply step: nothing is written, the job fails', async () => {
    const sha = commitAll(workspace, 'raced');
    const { env } = await clients();
    const bank = keysFor(env).find((k) => k.purpose === 'bank')!.secretName!;
    const outOfBand = 'c'.repeat(64);
    // A step between the plan and its apply: someone records other settings on the bank.
    const raced = loadWorkflow(DEPLOY);
    const steps = raced.jobs.deploy!.steps;
    const sdk = path.join(REPO_ROOT, 'node_modules/@aws-sdk/client-secrets-manager');
    const script = [
      `const sm = require(${JSON.stringify(sdk)});`,
      `new sm.SecretsManagerClient({ region: 'us-west-2' })`,
      `  .send(new sm.TagResourceCommand({ SecretId: ${JSON.stringify(bank)},`,
      `    Tags: [{ Key: ${JSON.stringify(TAG_KEYS.fundingSha256)}, Value: '${outOfBand}' }] }))`,
      `  .catch((e) => { console.error(e); process.exit(1); });`,
    ].join('\n');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'race-')), 'race.cjs');
    writeFileSync(file, script);
    steps.splice(
      steps.findIndex((s) => s.name === 'Apply the plan'),
      0,
      { name: 'someone writes the bank', run: `node ${file}` },
    );
    const run = await runJob(raced, 'deploy', world(sha));
    expect(stepNamed(run.steps, 'someone writes the bank').outcome, trace(run)).toBe('success');
    expect(run.result).toBe('failure');
    const apply = stepNamed(run.steps, 'Apply the plan');
    expect(apply.outcome).toBe('failure');
    expect(apply.log).toContain(STATE_CHANGED);
    expect(stepNamed(run.steps, 'Key and address table (job summary)').outcome).toBe('skipped');
    const after = await bankRecord();
    expect(after).toMatchObject({ bank: 'found', record: { sha256: outOfBand } });
    expect(after.bank === 'found' && after.record?.commit).not.toBe(sha);
  }, 300_000);
});
