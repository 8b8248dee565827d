/**
 * The Keymaster pays only with funding settings an approved apply recorded on the bank: on moto
 * (AWS) and the harness chains. Apply, fund, change a target, run → nothing sent (balances still
 * read, exit 1, the reason said); apply again, run → sent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateAliasCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { kmsFundingRecord } from '../../src/aws/funding-record.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { fundingRecordFor } from '../../src/jobs/funding.js';
import { keysJob } from '../../src/jobs/keys.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { fundingSettingsHash, fundingSettingsOf } from '../../src/inventory/funding-settings.js';
import { keysFor } from '../../src/inventory/keys.js';
import { FUNDING_NOT_APPROVED } from '../../src/plan/funding/funding.js';
import { developmentWorkspace, motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains, requireMotoUrl } from '../harness/emulators.js';

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (see test/harness/chains.ts). */
const FUNDER = FUNDED_PRIVATE_KEYS[6]!;

let cwd: string;
let vars: Record<string, string>;
const file = () => path.join(cwd, 'environments/development.yaml');

beforeAll(async () => {
  ({ cwd, vars } = await developmentWorkspace(ACCOUNT));
});

async function fund(address: string) {
  for (const chain of requireChains()) {
    const funder = new Wallet(
      FUNDER,
      new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true }),
    );
    await (await funder.sendTransaction({ to: address, value: parseEther('50') })).wait();
    funder.provider!.destroy();
  }
}

describe('funding settings approval (development: the record is on the bank secret)', () => {
  it('pays nothing after a target changed until the apply records it; then pays', async () => {
    const env = loadEnvironment('development', cwd);
    const clients = await awsForEnvironment(env, vars);

    const applied = await keysJob(env, clients, 'apply', { commit: 'a'.repeat(40) });
    expect(applied.ok).toBe(true);
    expect(applied.funding.outcome).toBe('recorded');
    expect(applied.json.funding?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const bank = applied.json.keys.find((k) => k.purpose === 'bank')!.address;
    await fund(bank);
    const approvedSettings = fundingSettingsOf(env, keysFor(env));

    // A reviewer never saw this: the updater target on every network goes up.
    writeFileSync(
      file(),
      readFileSync(file(), 'utf8').replace(
        "updater: { lower: '0.5', target: '1' }",
        "updater: { lower: '0.5', target: '5' }",
      ),
    );
    const changed = loadEnvironment('development', cwd);
    const refused = await cli(['keymaster', 'once', '--env', 'development', '--json'], {
      cwd,
      env: vars,
    });
    expect(refused.code, refused.stderr).toBe(1);
    const run = JSON.parse(refused.stdout) as {
      sent: unknown[];
      before: Array<{ balance: { known: boolean } }>;
      failures: Array<{ kind: string; message: string }>;
      decisions: Array<{ reason: string }>;
    };
    expect(run.sent).toEqual([]);
    // Balances are still read and the decisions still made (for the report and the metrics).
    expect(run.before.length).toBeGreaterThan(0);
    expect(run.before.every((r) => r.balance.known)).toBe(true);
    expect(run.decisions.some((d) => d.reason === 'funded')).toBe(true);
    expect(run.failures[0]).toMatchObject({ kind: 'unapproved' });
    expect(run.failures[0]!.message).toContain(FUNDING_NOT_APPROVED);
    // It names the approved commit and how to run from it.
    expect(run.failures[0]!.message).toContain(
      `git fetch origin && git checkout ${'a'.repeat(40)}\`, then \`nomad-ops keymaster once --env development\``,
    );
    // `keymaster approved` (the Keymaster role reads it) says what is approved and since when.
    const approved = await cli(['keymaster', 'approved', '--env', 'development', '--json'], {
      cwd,
      env: vars,
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      environment: 'development',
      bank: 'found',
      record: {
        sha256: applied.json.funding?.sha256,
        commit: 'a'.repeat(40),
        recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
      checkout: { approved: false },
    });
    const text = await cli(['keymaster', 'approved', '--env', 'development'], { cwd, env: vars });
    expect(text.stdout).toContain(`approved commit: ${'a'.repeat(40)}`);
    expect(text.stdout).toContain("this checkout's settings:");
    const provider = new JsonRpcProvider(requireChains()[0]!.url, undefined, {
      staticNetwork: true,
    });
    expect(await provider.getTransactionCount(bank)).toBe(0);

    // The plan shows the change against what was recorded (the settings of the recorded commit).
    const plan = await keysJob(changed, clients, 'plan', {
      settingsAtCommit: (_env, commit) =>
        commit === 'a'.repeat(40) ? approvedSettings : undefined,
    });
    expect(plan.funding.action).toBe('record');
    expect(plan.funding.baseline).toBe('recorded');
    expect(plan.funding.changes).toEqual([
      {
        setting: 'alpha · updater',
        before: 'lower 0.5 ETH (500000000000000000 wei), target 1.0 ETH (1000000000000000000 wei)',
        after: 'lower 0.5 ETH (500000000000000000 wei), target 5.0 ETH (5000000000000000000 wei)',
      },
      {
        setting: 'beta · updater',
        before: 'lower 0.5 ETH (500000000000000000 wei), target 1.0 ETH (1000000000000000000 wei)',
        after: 'lower 0.5 ETH (500000000000000000 wei), target 5.0 ETH (5000000000000000000 wei)',
      },
    ]);
    expect(plan.markdown).toContain('Funding settings change');

    // The service's gauge (on the registry /metrics serves) says its settings are not approved.
    const service = keymasterJob(changed, clients, vars);
    expect((await service.runOnce({ dryRun: false })).sent).toEqual([]);
    const approvedGauge = 'nomad_keymaster_settings_approved{environment="development"}';
    expect(await service.metrics.text()).toContain(`${approvedGauge} 0`);

    // The approved apply records the new settings; now the Keymaster pays.
    const reapplied = await keysJob(changed, clients, 'apply');
    expect(reapplied.funding.outcome).toBe('recorded');
    const paid = await service.runOnce({ dryRun: false });
    expect(await service.metrics.text()).toContain(`${approvedGauge} 1`);
    expect(paid.failures).toEqual([]);
    expect(paid.sent.length).toBeGreaterThan(0);
    expect(paid.sent.every((t) => t.status === 'mined')).toBe(true);
    expect(await provider.getTransactionCount(bank)).toBeGreaterThan(0);
    provider.destroy();

    // Unchanged settings: the next plan records nothing new, yet every apply records its commit.
    expect((await keysJob(changed, clients, 'plan')).funding.action).toBe('exists');
    const again = await keysJob(changed, clients, 'apply', {
      commit: 'b'.repeat(40),
      now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    });
    expect(again.funding).toMatchObject({ action: 'exists', outcome: 'recorded' });
    expect(await fundingRecordFor(changed, clients).read()).toEqual({
      bank: 'found',
      record: {
        sha256: reapplied.funding.sha256,
        commit: 'b'.repeat(40),
        recordedAt: '2026-01-02T03:04:05.000Z',
      },
    });
    // An apply without a commit leaves none behind from an earlier record.
    await keysJob(changed, clients, 'apply');
    const state = await fundingRecordFor(changed, clients).read();
    expect(state.bank === 'found' && state.record?.commit).toBeUndefined();
  }, 120_000);

  it('records nothing while a key is not in place, and says which', async () => {
    const { cwd: dir, vars: env } = await developmentWorkspace(nextAccountId());
    const dev = loadEnvironment('development', dir);
    const clients = await awsForEnvironment(dev, env);
    const relayer = keysFor(dev).find((k) => k.purpose !== 'bank' && k.secretName)!;
    await clients.secrets.send(
      new CreateSecretCommand({ Name: relayer.secretName, SecretString: 'not-a-key' }),
    );
    const broken = await keysJob(dev, clients, 'apply', { commit: 'c'.repeat(40) });
    expect(broken.ok).toBe(false);
    expect(broken.funding.outcome).toBe('failed');
    expect(broken.funding.error).toContain(`${relayer.alias} is broken`);
    expect(await fundingRecordFor(dev, clients).read()).toEqual({
      bank: 'found',
      record: undefined,
    });

    await clients.secrets.send(
      new DeleteSecretCommand({ SecretId: relayer.secretName, ForceDeleteWithoutRecovery: true }),
    );
    const fixed = await keysJob(dev, clients, 'apply', { commit: 'c'.repeat(40) });
    expect(fixed.funding.outcome).toBe('recorded');
    const state = await fundingRecordFor(dev, clients).read();
    expect(state.bank === 'found' && state.record?.commit).toBe('c'.repeat(40));
  }, 120_000);
});

describe('funding record on a bank KMS key (moto)', () => {
  it('is missing before the bank exists, none before the first apply, then what was written', async () => {
    const second = nextAccountId();
    const clients = await awsForEnvironment(
      loadEnvironment('staging', workspaceWithAccounts({ staging: second })),
      await motoEnv(requireMotoUrl(), second),
    );
    const record = kmsFundingRecord(clients.kms, 'alias/staging-bank');
    expect(await record.read()).toEqual({ bank: 'missing' });
    await expect(record.write({ sha256: 'f'.repeat(64) })).rejects.toThrow(/does not exist/);
    const key = await clients.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    await clients.kms.send(
      new CreateAliasCommand({
        AliasName: 'alias/staging-bank',
        TargetKeyId: key.KeyMetadata!.KeyId,
      }),
    );
    expect(await record.read()).toEqual({ bank: 'found', record: undefined });
    await record.write({ sha256: 'ab'.repeat(32), commit: 'c'.repeat(40) });
    expect(await record.read()).toEqual({
      bank: 'found',
      record: { sha256: 'ab'.repeat(32), commit: 'c'.repeat(40) },
    });
    await expect(record.write({ sha256: 'not-a-hash' })).rejects.toThrow(/64 lower-case hex/);
  });
});

describe('a funding change reviewers cannot see', () => {
  it('fails the plan and the apply, and the apply records nothing', async () => {
    const own = await developmentWorkspace(nextAccountId());
    const env = loadEnvironment('development', own.cwd);
    const clients = await awsForEnvironment(env, own.vars);
    expect((await keysJob(env, clients, 'apply', { commit: 'c'.repeat(40) })).ok).toBe(true);
    // The recorded commit's settings differ from the file's only in a field no line shows.
    const settings = fundingSettingsOf(env, keysFor(env));
    const unshown = { ...settings, hidden: 'chain 137' } as typeof settings;
    const record = fundingRecordFor(env, clients);
    const sha256 = fundingSettingsHash(unshown);
    await record.write({ sha256, commit: 'd'.repeat(40) });
    const previous = { settingsAtCommit: () => unshown };

    const plan = await keysJob(env, clients, 'plan', previous);
    expect(plan.ok).toBe(false);
    expect(plan.funding).toMatchObject({ action: 'record', changes: [], outcome: 'failed' });
    expect(plan.markdown).toMatch(/no setting shown to reviewers differs/);

    const apply = await keysJob(env, clients, 'apply', { ...previous, commit: 'e'.repeat(40) });
    expect(apply.ok).toBe(false);
    expect(apply.funding.outcome).toBe('failed');
    const state = await record.read();
    expect(state.bank === 'found' && state.record?.sha256).toBe(sha256);
  });
});
