import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/run-action.js';
import { commentMarker, planHashMarker } from '../../src/report/comment/markers.js';
import { FakeGithub, HUMAN } from './fake-github.js';
import { iamPlan, keysPlan } from './plans.js';

/**
 * The report and apply-guard bundles run as the runner runs them, against a local stand-in for
 * GitHub's REST API (GITHUB_API_URL), with pull_request and push event files.
 */

const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const PR = 42;
const MERGE_SHA = 'a'.repeat(40);
const RUN_URL = `https://github.com/${REPOSITORY}/actions/runs/1`;

let github: FakeGithub;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
});
afterAll(async () => {
  await github.stop();
});
beforeEach(() => {
  github.comments.length = 0;
  github.clearRequests();
});

const pullRequestEvent = (number: number) => ({
  action: 'synchronize',
  number,
  pull_request: { number, head: { sha: 'b'.repeat(40) } },
  repository: { full_name: REPOSITORY },
});

function report(inputs: Record<string, string>, token = 'write-token'): Promise<ActionRun> {
  return runAction('report', {
    inputs: { 'github-token': token, ...inputs },
    event: pullRequestEvent(PR),
    eventName: 'pull_request',
    env: { GITHUB_API_URL: github.url },
  });
}

function planInputs(env: string, keys = keysPlan(env, 12, { create: 2 })) {
  return {
    environment: env,
    'keys-json': JSON.stringify(keys),
    'iam-json': JSON.stringify(iamPlan([`${env}-processor-signer`])),
  };
}

const markerComments = (marker: string) =>
  github.commentsOn(PR).filter((c) => c.body.includes(marker));

describe('report action: one sticky comment per environment', () => {
  it('creates the comment, then updates that same one, and gives another environment its own', async () => {
    // A busy pull request: the earlier comment must be found past the first page of 100.
    for (let i = 0; i < 130; i++) github.addComment(PR, `review comment ${i}`);

    const first = await report(planInputs('staging'));
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(github.writes().map((r) => r.method)).toEqual(['POST']);
    const [staging] = markerComments('<!-- nomad-agent-ops:plan:staging -->');
    expect(staging).toBeDefined();
    expect(first.outputs['comment-id']).toBe(String(staging!.id));
    expect(first.outputs['comment-url']).toContain(`#issuecomment-${staging!.id}`);
    expect(first.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(staging!.body).toContain(
      `<!-- nomad-agent-ops:plan-hash:staging:${first.outputs['plan-hash']} -->`,
    );
    expect(staging!.body).toContain('alias/staging-kovan-updater-signer');
    expect(staging!.body).toMatch(/🆕/);

    // Another plan on the same pull request: the same comment changes, no second one appears.
    for (let i = 0; i < 5; i++) github.addComment(PR, `later comment ${i}`);
    const second = await report(planInputs('staging', keysPlan('staging', 12, { create: 0 })));
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${REPOSITORY}/issues/${PR}/comments`,
      `PATCH /repos/${REPOSITORY}/issues/comments/${staging!.id}`,
    ]);
    expect(second.outputs['comment-id']).toBe(String(staging!.id));
    expect(second.outputs['plan-hash']).not.toBe(first.outputs['plan-hash']);
    expect(markerComments('nomad-agent-ops:plan:staging')).toHaveLength(1);
    expect(staging!.body).toContain(`plan-hash:staging:${second.outputs['plan-hash']}`);
    // The listing went through every page.
    const pages = github.requests
      .filter((r) => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/comments`))
      .map((r) => r.query.get('page') ?? '1');
    expect(pages).toContain('2');

    const third = await report(planInputs('production'));
    expect(third.exitCode, third.stdout + third.stderr).toBe(0);
    expect(github.writes().filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(markerComments('nomad-agent-ops:plan:production')).toHaveLength(1);
    expect(markerComments('nomad-agent-ops:plan:staging')).toHaveLength(1);
    expect(third.outputs['comment-id']).not.toBe(String(staging!.id));
  });

  it('cuts a plan of 2,000 keys below 65,536 characters with a link to the full job summary', async () => {
    const keys = keysPlan('production', 2_000, { create: 10 });
    // Too big for an environment variable, so the input names a file.
    const dir = await mkdtemp(path.join(tmpdir(), 'report-keys-'));
    const file = path.join(dir, 'keys.json');
    await writeFile(file, JSON.stringify(keys));
    const run = await report({ ...planInputs('production'), 'keys-json': file });
    await rm(dir, { recursive: true, force: true });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const [comment] = markerComments('nomad-agent-ops:plan:production');
    expect(comment).toBeDefined();
    expect(comment!.body.length).toBeLessThan(65_536);
    expect(comment!.body).toContain(`[job summary](${RUN_URL})`);
    expect(comment!.body).toMatch(/Cut to fit/);
    // The small IAM section survives whole; the long key table was cut.
    expect(comment!.body).toContain('production-processor-signer');
    expect(comment!.body).toContain(`plan-hash:production:${run.outputs['plan-hash']}`);
    // The job summary has every key, within GitHub's 1 MiB.
    for (const k of [keys.keys[0]!, keys.keys[1_000]!, keys.keys[1_999]!]) {
      expect(run.summary).toContain(k.alias);
    }
    expect(run.summary.split('\n').filter((l) => l.startsWith('| alias/'))).toHaveLength(2_000);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
  });

  it('fails a plan too large for the 1 MiB job summary, naming the artifact; still uploads and previews', async () => {
    const keys = keysPlan('production', 6_000, { create: 10 });
    const dir = await mkdtemp(path.join(tmpdir(), 'report-keys-'));
    const file = path.join(dir, 'keys.json');
    await writeFile(file, JSON.stringify(keys));
    const run = await report({
      ...planInputs('production'),
      'keys-json': file,
      artifact: 'plan-production-1',
    });
    await rm(dir, { recursive: true, force: true });
    expect(run.exitCode).not.toBe(0);
    const message =
      /plan report is \d+ bytes, above the 1048576 \(1 MiB\).*must not go to approval.*the artifact `plan-production-1` of this run/;
    expect(run.stdout).toMatch(new RegExp(`::error::.*${message.source}`));
    // The summary fits (GitHub refuses a larger one whole) and opens with the failure.
    expect(Buffer.byteLength(run.summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(run.summary).toMatch(new RegExp(`❌ .*${message.source}`));
    expect(run.summary).toMatch(/Cut to fit GitHub's 1 MiB job summary limit/);
    expect(run.summary).toContain('production-processor-signer');
    // The full plan is still written for the workflow to upload as that artifact.
    expect(run.outputs['plan-file']).toBeTruthy();
    expect(run.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    // The pull-request preview says so too.
    const [comment] = markerComments('nomad-agent-ops:plan:production');
    expect(comment!.body).toMatch(message);
  });

  it('only warns (and cuts) for an applied report too large for the job summary', async () => {
    const keys = keysPlan('production', 6_000);
    const dir = await mkdtemp(path.join(tmpdir(), 'report-keys-'));
    const file = path.join(dir, 'keys.json');
    await writeFile(file, JSON.stringify(keys));
    const run = await report({
      environment: 'production',
      kind: 'applied',
      'keys-json': file,
      comment: 'false',
    });
    await rm(dir, { recursive: true, force: true });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/::warning::the production report is \d+ bytes/);
    expect(Buffer.byteLength(run.summary)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('fails a plan whose funding hash changes while its diff shows nothing', async () => {
    const keys = keysPlan('staging', 4);
    keys.funding = {
      action: 'record',
      sha256: 'a'.repeat(64),
      settings: {},
      recorded: { sha256: 'b'.repeat(64) },
      baseline: 'recorded',
      changes: [],
    };
    const run = await report({ ...planInputs('staging', keys), comment: 'false' });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /::error::staging: the funding settings hash changed \(bbbbbbbbbbbb → aaaaaaaaaaaa\) but no setting shown to reviewers differs/,
    );
    expect(run.summary).toMatch(/❌ staging: the funding settings hash changed/);
    // With the change shown, the same plan passes.
    keys.funding.changes = [{ setting: 'kovan · updater', before: 'x', after: 'y' }];
    const shown = await report({ ...planInputs('staging', keys), comment: 'false' });
    expect(shown.exitCode, shown.stdout + shown.stderr).toBe(0);
  });

  it('with a read-only token (a fork) writes the job summary only and passes', async () => {
    const run = await report(planInputs('staging'), 'read-only-fork-token');
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(github.commentsOn(PR)).toHaveLength(0);
    expect(github.writes()).toHaveLength(1);
    expect(github.writes()[0]!.token).toBe('read-only-fork-token');
    expect(run.summary).toContain('alias/staging-kovan-updater-signer');
    expect(run.stdout).toMatch(/::notice::.*job summary/);
    expect(run.outputs['comment-id'] ?? '').toBe('');
  });

  it('with comment "false" touches no API at all', async () => {
    const run = await report({ ...planInputs('staging'), comment: 'false' });
    expect(run.exitCode).toBe(0);
    expect(github.requests).toHaveLength(0);
    expect(run.summary).toContain('nomad-ops plan');
  });
});

describe('apply guard: the re-plan against the plan file reviewers approved', () => {
  function guard(inputs: Record<string, string>): Promise<ActionRun> {
    return runAction('apply-guard', {
      inputs,
      event: { ref: 'refs/heads/main', after: MERGE_SHA },
      eventName: 'push',
      env: { GITHUB_API_URL: github.url, GITHUB_SHA: MERGE_SHA },
    });
  }
  /** The plan job: the report writes the plan file that becomes the artifact. */
  async function planJob(inputs: Record<string, string>): Promise<string> {
    const run = await runAction('report', {
      inputs: { ...inputs, comment: 'false' },
      event: { ref: 'refs/heads/main', after: MERGE_SHA },
      eventName: 'push',
      env: { GITHUB_SHA: MERGE_SHA },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    // The job summary shows the full plan and the hash reviewers approve.
    expect(run.summary).toContain(run.outputs['plan-hash']!.slice(0, 12));
    // The artifact: the runner's temp dir is gone after the run, as between two jobs.
    const dir = await mkdtemp(path.join(tmpdir(), 'nomad-artifact-'));
    const file = path.join(dir, 'staging-plan.json');
    await writeFile(file, run.outputs.plan!);
    return file;
  }

  it('passes when the re-plan equals the approved plan file; reads no comment', async () => {
    const file = await planJob(planInputs('staging'));
    const run = await guard({ ...planInputs('staging'), 'approved-plan': file });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(run.outputs['approved-hash']).toBe(run.outputs['plan-hash']);
    expect(github.requests).toHaveLength(0);
  });

  it('refuses a re-plan that differs from the approved plan', async () => {
    const file = await planJob(planInputs('staging'));
    const changed = planInputs('staging', keysPlan('staging', 12, { create: 3 }));
    const run = await guard({ ...changed, 'approved-plan': file });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['plan-hash']).not.toBe(run.outputs['approved-hash']);
    expect(run.stdout).toMatch(
      /::error::.*refusing to apply.*differs from the plan approved.*keys/,
    );
    expect(run.summary).toContain('refusing to apply');
  });

  it('trusts no comment: a forged marker on the pull request changes nothing', async () => {
    const wanted = planInputs('staging', keysPlan('staging', 12, { create: 5 }));
    const probe = await guard({ ...wanted, 'approved-plan': await planJob(planInputs('staging')) });
    expect(probe.exitCode).toBe(1);
    github.addComment(
      PR,
      `${commentMarker('plan', 'staging')}\n${planHashMarker('staging', probe.outputs['plan-hash']!)}`,
      HUMAN,
    );
    const run = await guard({ ...wanted, 'approved-plan': await planJob(planInputs('staging')) });
    expect(run.exitCode).toBe(1);
  });

  it('fails without an approved plan, and when given no plan at all', async () => {
    const none = await guard({ ...planInputs('staging'), 'approved-plan': '' });
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toMatch(/no approved plan was given/);
    const file = await planJob(planInputs('staging'));
    const empty = await guard({ environment: 'staging', 'approved-plan': file });
    expect(empty.exitCode).toBe(1);
    expect(empty.stdout).toMatch(/given no plan made in this job/);
  });

  it('hashes the plan file again rather than trusting the sha256 written in it', async () => {
    const file = await planJob(planInputs('staging'));
    const dir = await mkdtemp(path.join(tmpdir(), 'nomad-guard-'));
    const forged = path.join(dir, 'plan.json');
    const changed = planInputs('staging', keysPlan('staging', 12, { create: 3 }));
    const now = await guard({ ...changed, 'approved-plan': file });
    const original = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(forged, JSON.stringify({ ...original, sha256: now.outputs['plan-hash'] }));
    const run = await guard({ ...changed, 'approved-plan': forged });
    expect(run.exitCode).toBe(1);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('report after apply', () => {
  it('comments the final table on the merged pull request under its own marker', async () => {
    github.pullsByCommit.set(MERGE_SHA, [
      { number: PR, merged_at: '2024-05-01T10:00:00Z', merge_commit_sha: MERGE_SHA },
    ]);
    await report(planInputs('staging'));
    const run = await runAction('report', {
      inputs: {
        'github-token': 'write-token',
        environment: 'staging',
        kind: 'applied',
        'keys-json': JSON.stringify(keysPlan('staging', 12)),
      },
      event: { ref: 'refs/heads/main', after: MERGE_SHA },
      eventName: 'push',
      env: { GITHUB_API_URL: github.url, GITHUB_SHA: MERGE_SHA },
    });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const applied = markerComments('<!-- nomad-agent-ops:applied:staging -->');
    expect(applied).toHaveLength(1);
    expect(applied[0]!.body).not.toContain('plan-hash:');
    expect(markerComments('<!-- nomad-agent-ops:plan:staging -->')).toHaveLength(1);
  });
});
