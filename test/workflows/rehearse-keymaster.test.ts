/**
 * keymaster.yml's approved and keymaster jobs, rehearsed step by step offline (see rehearse.ts)
 * on moto and the harness chains: the approved job reads the commit the last apply recorded on
 * the bank (main's code, no secret), the keymaster job checks out exactly that commit, handed on
 * through the approved job's per-environment output, and runs the Keymaster from it. A funding change merged but not applied does not
 * stop top-ups: the recorded settings are paid and the summary says a change awaits approval;
 * once applied, the new settings are paid. A recorded commit that is not on main's history is
 * refused and nothing is sent. The RPC URLs come only from the `NOMAD_RPC_URLS` secret.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFundingRecord } from '../../src/aws/funding-record.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { keysFor } from '../../src/inventory/keys.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains } from '../harness/emulators.js';
import { startPushgateway, type RunningServer } from '../harness/prometheus.js';
import {
  commitAll,
  jobStarts,
  loadWorkflow,
  runJob,
  type JobResult,
  type World,
} from './rehearse.js';

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (see test/harness/chains.ts). */
const FUNDER = FUNDED_PRIVATE_KEYS[9]!;
const KEYMASTER = loadWorkflow(
  readFileSync(path.resolve(import.meta.dirname, '../../.github/workflows/keymaster.yml'), 'utf8'),
);

let workspace: string;
let vars: Record<string, string>;
let pushgateway: RunningServer;
const file = () => path.join(workspace, 'environments/development.yaml');

beforeAll(async () => {
  ({ cwd: workspace, vars } = await developmentWorkspace(ACCOUNT));
  pushgateway = await startPushgateway();
});
afterAll(async () => {
  await pushgateway?.stop();
});

/** The pending-change gauges the job pushed for development. */
async function pendingGauges(): Promise<string[]> {
  const text = await (await fetch(`${pushgateway.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('nomad_keymaster_pending_settings') && l.includes('"development"'));
}

/** The job's world: AWS as the Keymaster role (moto), RPC URLs only through the secret. */
function world(): World {
  const { ALPHA_RPC_URL, BETA_RPC_URL, ...aws } = vars;
  return {
    workspace,
    github: {
      repository: 'nomad-xyz/nomad-agent-ops',
      sha: 'main',
      run_id: '11',
      run_attempt: '1',
      event_name: 'schedule',
      event: {},
    },
    vars: { NOMAD_PUSHGATEWAY_URL: pushgateway.url },
    secrets: {
      NOMAD_RPC_URLS: `# one per line\nALPHA_RPC_URL=${ALPHA_RPC_URL}\nBETA_RPC_URL=${BETA_RPC_URL}\n`,
    },
    aws,
    env: {},
    artifacts: mkdtempSync(path.join(tmpdir(), 'rehearse-artifacts-')),
    mainHead: () => 'main',
    needs: {},
    matrix: { environment: 'development' },
  };
}

interface Run {
  approved: JobResult;
  keymaster: JobResult;
}

/** Runs both jobs as GitHub chains them, then removes the second checkout (not to be committed). */
async function keymasterJob(): Promise<Run> {
  try {
    // Main's code runs there: it is given no secret at all.
    const approved = await runJob(KEYMASTER, 'approved', { ...world(), secrets: {} });
    const needs = { approved: { result: approved.result, outputs: approved.outputs } };
    const keymaster = await runJob(KEYMASTER, 'keymaster', { ...world(), needs });
    return { approved, keymaster };
  } finally {
    rmSync(path.join(workspace, 'approved'), { recursive: true, force: true });
  }
}

const step = (job: JobResult, name: string) => {
  const found = job.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}"`);
  return found;
};

async function apply(commit: string) {
  const env = loadEnvironment('development', workspace);
  const applied = await keysJob(env, await awsForEnvironment(env, vars), 'apply', { commit });
  expect(applied.funding.outcome).toBe('recorded');
  return applied;
}

interface RunJson {
  sent: Array<{ status: string }>;
  after: Array<{ roles: string[]; balance: { known: boolean; wei?: string } }>;
}

/** The balance of every updater wallet after the run, in wei. */
const updaterBalances = (job: JobResult) =>
  (JSON.parse(step(job, 'Keymaster (the approved commit)').outputs['run-json']!) as RunJson).after
    .filter((r) => r.roles.includes('updater'))
    .map((r) => BigInt(r.balance.wei ?? -1));

describe('keymaster.yml: the keymaster job runs the recorded commit', () => {
  it('pays the recorded settings while a change waits, the new ones once applied, and refuses a commit off main', async () => {
    const first = commitAll(workspace, 'development on the harness chains');
    const applied = await apply(first);
    const bank = applied.json.keys.find((k) => k.purpose === 'bank')!.address;
    /** The bank's balance on every chain: unchanged when nothing was sent. */
    const bankWei = async () =>
      Promise.all(
        requireChains().map(async (chain) => {
          const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true });
          try {
            return await provider.getBalance(bank);
          } finally {
            provider.destroy();
          }
        }),
      );
    for (const chain of requireChains()) {
      const funder = new Wallet(
        FUNDER,
        new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true }),
      );
      await (await funder.sendTransaction({ to: bank, value: parseEther('50') })).wait();
      funder.provider!.destroy();
    }

    // Merged, not applied: updaters should get lower 2, target 5.
    writeFileSync(
      file(),
      readFileSync(file(), 'utf8').replace(
        "updater: { lower: '0.5', target: '1' }",
        "updater: { lower: '2', target: '5' }",
      ),
    );
    const second = commitAll(workspace, 'raise the updater target');

    const waiting = await keymasterJob();
    const approved = step(waiting.approved, 'Approved commit');
    expect(approved.outcome, approved.log).toBe('success');
    expect(approved.outputs.commit).toBe(first);
    expect(approved.outputs.pending).toBe('true');
    expect(approved.summary).toContain(
      `a funding change awaits approval since commit \`${second.slice(0, 12)}\``,
    );
    // Each environment's commit reaches its own leg of the keymaster job.
    expect(waiting.approved.outputs).toMatchObject({
      'commit-development': first,
      'commit-staging': '',
      'commit-production': '',
    });
    expect(step(waiting.keymaster, 'Check out the approved commit').outcome).toBe('success');
    // The URLs reached the run only through the secret, given to the approved commit's action,
    // and the runner was told to mask them; main's code never saw them.
    const run = step(waiting.keymaster, 'Keymaster (the approved commit)');
    expect(run.log).toContain(`::add-mask::${vars.ALPHA_RPC_URL}`);
    expect(approved.log).not.toContain(vars.ALPHA_RPC_URL);
    expect(run.outcome, run.log.slice(-2000)).toBe('success');
    expect(waiting.keymaster.result).toBe('success');
    // Paid per the recorded settings (target 1), not the merged ones (target 5).
    expect(updaterBalances(waiting.keymaster)).toEqual([parseEther('1'), parseEther('1')]);
    // The pending change is a metric too, beside the run's own groups.
    expect(await pendingGauges()).toEqual([
      expect.stringMatching(/^nomad_keymaster_pending_settings\{.*\} 1$/),
      expect.stringMatching(/^nomad_keymaster_pending_settings_age_seconds\{.*\} \d+$/),
    ]);

    // Applied: the record names the new commit and the next run pays the new settings.
    await apply(second);
    const paid = await keymasterJob();
    expect(step(paid.approved, 'Approved commit').outputs).toMatchObject({
      commit: second,
      pending: 'false',
    });
    expect(paid.keymaster.result).toBe('success');
    expect(updaterBalances(paid.keymaster)).toEqual([parseEther('5'), parseEther('5')]);
    expect(await pendingGauges()).toEqual([
      expect.stringMatching(/^nomad_keymaster_pending_settings\{.*\} 0$/),
      expect.stringMatching(/^nomad_keymaster_pending_settings_age_seconds\{.*\} 0$/),
    ]);

    // A commit that is not on main's history (a branch the apply role was pointed at).
    execFileSync('git', ['checkout', '-q', '-b', 'side'], { cwd: workspace });
    writeFileSync(file(), readFileSync(file(), 'utf8').replace("target: '5'", "target: '9'"));
    const side = commitAll(workspace, 'unreviewed');
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: workspace });
    const env = loadEnvironment('development', workspace);
    const clients = await awsForEnvironment(env, vars);
    const record = secretFundingRecord(
      clients.secrets,
      keysFor(env).find((k) => k.purpose === 'bank')!.secretName!,
    );
    const before = await record.read();
    await record.write({ sha256: 'ab'.repeat(32), commit: side });
    const balancesBefore = await bankWei();
    const refused = await keymasterJob();
    expect(refused.approved.result).toBe('failure');
    expect(step(refused.approved, 'Approved commit').log).toContain(
      `commit ${side}, recorded on the development bank as approved, is not on main's history`,
    );
    expect(refused.approved.outputs['commit-development']).toBe('');
    // The keymaster job still starts (the other environment's leg must not wait on this one),
    // checks nothing out (an empty ref would be main's head) and fails without sending.
    const needs = { approved: { result: 'failure', outputs: refused.approved.outputs } };
    expect(jobStarts(KEYMASTER, 'keymaster', { ...world(), needs }, { cancelled: false })).toBe(
      true,
    );
    expect(step(refused.keymaster, 'Check out the approved commit').outcome).toBe('skipped');
    expect(step(refused.keymaster, 'Keymaster (the approved commit)').outcome).toBe('failure');
    expect(refused.keymaster.result).toBe('failure');
    expect(await bankWei()).toEqual(balancesBefore);
    if (before.bank === 'found' && before.record) await record.write(before.record);
  }, 240_000);
});
