import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentText } from '../../src/config/load.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { fundingSettingsHash, fundingSettingsOf } from '../../src/inventory/funding-settings.js';
import { diffFundingSettings, fundingSettingLines } from '../../src/inventory/funding-lines.js';
import { type FundingSettings } from '../../src/inventory/funding-types.js';
import { keysFor } from '../../src/inventory/keys.js';
import { keysAt, leaves, withKeyRenamed, withLeafChanged, without, type Path } from './walk.js';

/**
 * Issue 24 items 1 and 2, as an exhaustive property test: every leaf of real funding settings
 * (every network, role, amount, address, flag; networks named `time`, `date` and `createdAt`)
 * is changed one at a time, and each change must change the hash AND show as a line of the diff
 * that names the field. Then every field of the environment the Keymaster reads must change the
 * hash, but for the few listed that change how it reads, never what it sends.
 */

const root = path.resolve(import.meta.dirname, '../..');
const ADDRESS = '0x00000000000000000000000000000000000000a1';

function load(name: string, text: string): ResolvedEnvironment {
  const loaded = loadEnvironmentText(text, path.join(root, 'environments', `${name}.yaml`));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded));
  return loaded.env;
}

/** production.yaml with three networks renamed to names the old canonical form dropped. */
function production(): ResolvedEnvironment {
  const text = readFileSync(path.join(root, 'environments/production.yaml'), 'utf8')
    .replace(/\bethereum\b/g, 'time')
    .replace(/\bmoonbeam\b/g, 'date')
    .replace(/\bevmos\b/g, 'createdAt');
  const env = load('production', text);
  // What the shipped file does not use: an override, an extra account, a fee cap, a timestamp role.
  const time = env.keymaster.networks.time!;
  time.overrides[ADDRESS] = { lower: 10n ** 17n, target: 3n * 10n ** 17n };
  time.gas.maxFeePerGas = 300n * 10n ** 9n;
  env.keymaster.extraAccounts.push({
    address: '0x00000000000000000000000000000000000000b2',
    label: 'multisig',
    network: 'date',
    lower: 10n ** 18n,
    target: 2n * 10n ** 18n,
  });
  return env;
}

function development(): ResolvedEnvironment {
  const file = path.join(root, 'environments/development.yaml');
  return load('development', readFileSync(file, 'utf8'));
}

const settingsOf = (env: ResolvedEnvironment) => fundingSettingsOf(env, keysFor(env));

/** The record keys a path passes through: each must appear in the line that shows the field. */
function namesOnPath(p: Path): string[] {
  const names: string[] = [];
  if (p[0] === 'networks' && p[1]) names.push(p[1]);
  if (p[0] === 'networks' && (p[2] === 'roles' || p[2] === 'overrides') && p[3]) names.push(p[3]);
  return names;
}

const covers = (field: readonly string[], p: readonly string[]) =>
  field.every((k, i) => p[i] === k);

/** The change must alter the hash and appear as a diff line that names the field it is on. */
function expectShown(before: FundingSettings, after: FundingSettings, p: Path) {
  const where = p.join('.');
  expect(fundingSettingsHash(after), where).not.toBe(fundingSettingsHash(before));
  const changes = diffFundingSettings(before, after);
  expect(changes.length, where).toBeGreaterThan(0);
  const changed = new Set(changes.map((c) => c.setting));
  // A line of either side that shows this field (or the record it was in) is in the diff.
  const lines = [...fundingSettingLines(before), ...fundingSettingLines(after)].filter(
    (l) => changed.has(l.setting) && (covers(l.field, p) || covers(p, l.field)),
  );
  expect(lines.length, `${where}: no changed line shows it`).toBeGreaterThan(0);
  for (const name of namesOnPath(p)) {
    expect(
      lines.some((l) => l.setting.includes(name)),
      `${where}: the line does not name ${name}`,
    ).toBe(true);
  }
}

describe.each([
  ['production (networks named time, date, createdAt)', production],
  ['development (a bank in Secrets Manager)', development],
])('funding settings of %s', (_name, make) => {
  const base = settingsOf(make());

  it('show every leaf on a line (a field without a line is a change reviewers cannot see)', () => {
    const fields = fundingSettingLines(base).map((l) => l.field);
    const unshown = leaves(base).filter((leaf) => !fields.some((f) => covers(f, leaf.path)));
    expect(unshown.map((l) => l.path.join('.'))).toEqual([]);
  });

  it('change hash and diff with every leaf changed, one at a time', () => {
    const all = leaves(base);
    expect(all.length).toBeGreaterThan(50);
    for (const leaf of all) expectShown(base, withLeafChanged(base, leaf.path), leaf.path);
  });

  it('change hash and diff with every network, role and override renamed or removed', () => {
    const records: Path[] = [['networks']];
    for (const network of keysAt(base, ['networks'])) {
      records.push(['networks', network, 'roles'], ['networks', network, 'overrides']);
    }
    let count = 0;
    for (const record of records) {
      for (const key of keysAt(base, record)) {
        count++;
        expectShown(base, withKeyRenamed(base, [...record, key]), [...record, key]);
        expectShown(base, without(base, [...record, key]), [...record, key]);
      }
    }
    expect(count).toBeGreaterThan(3);
  });

  it('change hash and diff with each wallet, extra account or optional field removed', () => {
    const entries: Path[] = [
      ...base.wallets.map((_, i) => ['wallets', String(i)]),
      ...base.extraAccounts.map((_, i) => ['extraAccounts', String(i)]),
      ...Object.keys(base.networks).flatMap((n) =>
        base.networks[n]!.gas.maxFeePerGas === undefined
          ? []
          : [['networks', n, 'gas', 'maxFeePerGas']],
      ),
      ...(base.bank.secretName ? [['bank', 'secretName']] : []),
    ];
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expectShown(base, without(base, entry), entry);
  });
});

describe('a decimals change', () => {
  it('shows the decimals and every amount in wei, each side with its own decimals', () => {
    const before = production();
    const after = production();
    // The file still says "2": with 21 decimals that is 1000 times the wei.
    after.networks.find((n) => n.name === 'time')!.nativeToken.decimals = 21;
    after.keymaster.networks.time!.bank.reserve *= 1000n;
    const changes = diffFundingSettings(settingsOf(before), settingsOf(after));
    expect(changes).toContainEqual({ setting: 'time · decimals', before: '18', after: '21' });
    expect(changes).toContainEqual({
      setting: 'time · bank reserve',
      before: '2.0 ETH (2000000000000000000 wei)',
      after: '2.0 ETH (2000000000000000000000 wei)',
    });
  });
});

/**
 * The fields of the environment the Keymaster reads that do not decide what it sends (how it
 * reads the chain, where the service runs): the only ones allowed to leave the hash unchanged.
 */
const NOT_SENT: RegExp[] = [
  /^keymaster\.rpcTimeoutSeconds$/,
  /^keymaster\.networks\.[^.]+\.rpc\./,
  /^keymaster\.eks\./,
];

describe('everything that changes what the Keymaster sends is in the funding settings', () => {
  const env = production();
  const hash = fundingSettingsHash(settingsOf(env));
  const read = { networks: env.networks, keymaster: env.keymaster };

  it('changes the hash with every field of the networks and the Keymaster section', () => {
    const unhashed: string[] = [];
    let count = 0;
    for (const leaf of leaves(read)) {
      const where = leaf.path.join('.');
      if (NOT_SENT.some((r) => r.test(where))) continue;
      // Names that must match another part of the file: moved or removed below instead.
      if (/^networks\.\d+\.(name|replicas\.\d+)$/.test(where)) continue;
      if (/^keymaster\.extraAccounts\.\d+\.network$/.test(where)) continue;
      count++;
      const changed = withLeafChanged(read, leaf.path);
      const next = { ...env, ...changed };
      if (fundingSettingsHash(settingsOf(next)) === hash) unhashed.push(where);
    }
    expect(count).toBeGreaterThan(60);
    expect(unhashed).toEqual([]);
  });

  it('changes the hash with an extra account moved to another network, or a signer key dropped', () => {
    const moved = structuredClone(env);
    moved.keymaster.extraAccounts[0]!.network = 'time';
    expect(fundingSettingsHash(settingsOf(moved))).not.toBe(hash);
    for (const keyName of env.keyNames.filter((k) => k.endsWith('-signer'))) {
      const next = { ...env, keyNames: env.keyNames.filter((k) => k !== keyName) };
      expect(fundingSettingsHash(settingsOf(next)), keyName).not.toBe(hash);
    }
  });

  it('changes the hash with a replica removed, or EIP-1559 set where it was detected', () => {
    for (const [i, network] of env.networks.entries()) {
      for (const j of network.replicas.keys()) {
        const next = {
          ...env,
          networks: without(env.networks, [String(i), 'replicas', String(j)]),
        };
        expect(fundingSettingsHash(settingsOf(next)), `${network.name} replica ${j}`).not.toBe(
          hash,
        );
      }
      if (network.eip1559 === undefined) {
        for (const value of [true, false]) {
          const networks = structuredClone(env.networks);
          networks[i]!.eip1559 = value;
          expect(fundingSettingsHash(settingsOf({ ...env, networks }))).not.toBe(hash);
        }
      }
    }
  });

  it('leaves the hash alone for the listed read-only tunables (so the list is not a blanket)', () => {
    const next = structuredClone(env);
    next.keymaster.rpcTimeoutSeconds += 1;
    next.keymaster.networks.time!.rpc.maxBatchSize += 1;
    next.keymaster.networks.time!.rpc.retries += 1;
    next.keymaster.networks.time!.rpc.timeoutSeconds += 1;
    expect(fundingSettingsHash(settingsOf(next))).toBe(hash);
  });
});
