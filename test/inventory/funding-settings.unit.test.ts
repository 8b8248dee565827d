import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { fundingSettingsHash, fundingSettingsOf } from '../../src/inventory/funding-settings.js';
import { diffFundingSettings } from '../../src/inventory/funding-lines.js';
import { keysFor } from '../../src/inventory/keys.js';
import {
  planFunding,
  fundingApproved,
  FUNDING_NOT_APPROVED,
} from '../../src/plan/funding/funding.js';
import { production } from './fixtures.js';

const hashOf = (env: ResolvedEnvironment) =>
  fundingSettingsHash(fundingSettingsOf(env, keysFor(env)));
const ADDRESS = '0x1111111111111111111111111111111111111111';

/** Each edit is one way a file change could move money without a reviewer seeing it. */
const moneyEdits: Array<[string, (env: ResolvedEnvironment) => void]> = [
  ['a role target', (e) => (e.keymaster.networks.ethereum!.roles.updater!.target += 1n)],
  ['a role lower', (e) => (e.keymaster.networks.ethereum!.roles.watcher!.lower += 1n)],
  ['the bank reserve', (e) => (e.keymaster.networks.moonbeam!.bank.reserve -= 1n)],
  ['the alert level', (e) => (e.keymaster.networks.moonbeam!.bank.alertBelow -= 1n)],
  ['the cap per run', (e) => (e.keymaster.networks.evmos!.capPerRun += 1n)],
  [
    'a per-address override',
    (e) => (e.keymaster.networks.ethereum!.overrides[ADDRESS] = { lower: 1n, target: 2n }),
  ],
  [
    'an extra account',
    (e) =>
      e.keymaster.extraAccounts.push({
        address: ADDRESS,
        label: 'x',
        network: 'ethereum',
        lower: 1n,
        target: 2n,
      }),
  ],
  [
    'who is funded where (replicas)',
    (e) => (e.networks[0]!.replicas = e.networks[0]!.replicas.slice(1)),
  ],
  ['the chain of a network', (e) => (e.networks[1]!.chainId = 999)],
];

describe('funding settings hash', () => {
  it('is a full sha256 and stable', () => {
    expect(hashOf(production())).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(production())).toBe(hashOf(production()));
  });

  it.each(moneyEdits)('changes with %s', (_what, edit) => {
    const env = production();
    edit(env);
    expect(hashOf(env)).not.toBe(hashOf(production()));
  });

  it('changes with the interval, the RPC variable and EIP-1559 (what and when it sends)', () => {
    const interval = production();
    interval.keymaster.intervalSeconds += 60;
    expect(hashOf(interval)).not.toBe(hashOf(production()));
    const rpc = production();
    rpc.networks[0]!.rpcUrlEnv = 'OTHER_RPC_URL';
    expect(hashOf(rpc)).not.toBe(hashOf(production()));
    const eip1559 = production();
    eip1559.networks[0]!.eip1559 = false;
    expect(hashOf(eip1559)).not.toBe(hashOf(production()));
  });

  it('does not change with RPC timeouts (how it reads, not what it sends)', () => {
    const env = production();
    env.keymaster.rpcTimeoutSeconds += 1;
    expect(hashOf(env)).toBe(hashOf(production()));
  });
});

describe('funding diff and approval', () => {
  it('lists each changed setting before and after, in native units and wei', () => {
    const before = fundingSettingsOf(production(), keysFor(production()));
    const env = production();
    env.keymaster.networks.ethereum!.capPerRun = 20n * 10n ** 18n;
    const changes = diffFundingSettings(before, fundingSettingsOf(env, keysFor(env)));
    expect(changes).toEqual([
      {
        setting: 'ethereum · cap per run',
        before: '15.0 ETH (15000000000000000000 wei)',
        after: '20.0 ETH (20000000000000000000 wei)',
      },
    ]);
  });

  it('plans a record unless the bank records exactly these settings; the Keymaster pays only then', () => {
    const settings = fundingSettingsOf(production(), keysFor(production()));
    const sha256 = fundingSettingsHash(settings);
    const recorded = { bank: 'found' as const, record: { sha256 } };
    expect(planFunding({ settings, state: recorded }).action).toBe('exists');
    const other = { bank: 'found' as const, record: { sha256: 'a'.repeat(64) } };
    const plan = planFunding({ settings, state: other, recordedSettings: settings });
    // Settings whose hash is not the recorded one are not taken as the baseline.
    expect(plan).toMatchObject({ action: 'record', baseline: 'unavailable' });
    expect(fundingApproved(sha256, recorded).approved).toBe(true);
    const refused = fundingApproved(sha256, other);
    expect(refused.approved).toBe(false);
    expect(refused.message).toContain(FUNDING_NOT_APPROVED);
    expect(fundingApproved(sha256, { bank: 'found', record: undefined }).approved).toBe(false);
    expect(fundingApproved(sha256, { bank: 'missing' }).approved).toBe(false);
  });

  it('fails a plan whose hash changes while no line of its diff does', () => {
    const settings = fundingSettingsOf(production(), keysFor(production()));
    // A field the hash covers but no line shows (what a future field without a line would be).
    const unshown = { ...settings, hidden: 'chain 137' } as typeof settings;
    const state = { bank: 'found' as const, record: { sha256: fundingSettingsHash(settings) } };
    const plan = planFunding({ settings: unshown, state, recordedSettings: settings });
    expect(plan).toMatchObject({ action: 'record', changes: [], outcome: 'failed' });
    expect(plan.error).toMatch(/hash changed .* no setting shown to reviewers differs/);
    // A shown change plans as usual.
    const env = production();
    env.keymaster.networks.ethereum!.capPerRun += 1n;
    const shown = planFunding({
      settings: fundingSettingsOf(env, keysFor(env)),
      state,
      recordedSettings: settings,
    });
    expect(shown.outcome).toBeUndefined();
    expect(shown.changes).toHaveLength(1);
  });
});
