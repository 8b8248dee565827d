import { parseEther } from 'ethers';
import { describe, expect, it } from 'vitest';
import { fundingFor, fundingMatrixFor, thresholdFor } from '../../src/inventory/funding.js';
import { InventoryError } from '../../src/inventory/errors.js';
import { keysFor } from '../../src/inventory/keys.js';
import { development, production, staging } from './fixtures.js';

describe('fundingFor', () => {
  it('production: 6 homes × (updater + watcher on the home + 3 roles × 5 replicas) = 102 rows', () => {
    // Production has no kathy key; each home has 5 replicas (all other networks).
    const perHome = 2 + 3 * 5;
    expect(fundingFor(production(), keysFor(production()))).toHaveLength(6 * perHome);
  });

  it('staging and development: homes × (3 on the home + 3 roles × replicas) with kathy', () => {
    expect(fundingFor(staging(), keysFor(staging()))).toHaveLength(4 * (3 + 3 * 3));
    expect(fundingFor(development(), keysFor(development()))).toHaveLength(3 * (3 + 3 * 2));
  });

  it("funds H's processor, one address, on every replica of H and never on H", () => {
    const env = production();
    const rows = fundingFor(env, keysFor(env)).filter(
      (a) => a.alias === 'alias/production-ethereum-processor-signer',
    );
    expect(rows.map((r) => r.network).sort()).toEqual(
      ['moonbeam', 'evmos', 'avalanche', 'xdai', 'milkomedaC1'].sort(),
    );
    expect(rows.every((r) => r.home === 'ethereum' && r.role === 'processor')).toBe(true);
  });

  it('funds the watcher on its home and on every replica; the updater only on its home', () => {
    const env = staging();
    const rows = fundingFor(env, keysFor(env));
    const watcher = rows.filter((r) => r.alias === 'alias/staging-goerli-watcher-signer');
    expect(watcher.map((r) => r.network).sort()).toEqual([
      'goerli',
      'kovan',
      'moonbasealpha',
      'sepolia',
    ]);
    const updater = rows.filter((r) => r.alias === 'alias/staging-goerli-updater-signer');
    expect(updater.map((r) => r.network)).toEqual(['goerli']);
  });

  it('never funds attestation keys or the bank', () => {
    const env = staging();
    const keys = keysFor(env);
    const unfundable = new Set(keys.filter((k) => k.purpose !== 'signer').map((k) => k.alias));
    expect(unfundable.size).toBeGreaterThan(0);
    expect(fundingFor(env, keys).some((r) => r.alias && unfundable.has(r.alias))).toBe(false);
  });

  it('takes thresholds from the network funded on, not the home', () => {
    const env = production();
    const row = fundingFor(env, keysFor(env)).find(
      (r) => r.alias === 'alias/production-ethereum-relayer-signer' && r.network === 'milkomedaC1',
    );
    expect(row).toMatchObject({
      chainId: 2001,
      lower: parseEther('50'),
      target: parseEther('200'),
    });
  });

  it('follows explicit replica lists', () => {
    const env = staging();
    env.networks[0]!.replicas = ['goerli'];
    const rows = fundingFor(env, keysFor(env)).filter((r) => r.home === 'kovan');
    expect(rows.map((r) => `${r.network}/${r.role}`)).toEqual([
      'kovan/updater',
      'kovan/watcher',
      'kovan/kathy',
      'goerli/relayer',
      'goerli/processor',
      'goerli/watcher',
    ]);
  });

  it('reports a wallet without a threshold instead of inventing one', () => {
    const env = staging();
    delete env.keymaster.networks.sepolia!.roles.kathy;
    const { accounts, unfunded } = fundingMatrixFor(env, keysFor(env));
    expect(unfunded).toEqual([
      expect.objectContaining({ network: 'sepolia', home: 'sepolia', role: 'kathy' }),
    ]);
    expect(unfunded[0]?.reason).toMatch(/keymaster\.networks\.sepolia\.roles\.kathy/);
    expect(accounts).toHaveLength(4 * (3 + 3 * 3) - 1);
  });

  it('appends extra accounts with their own thresholds and refuses an unknown network', () => {
    const env = staging();
    env.keymaster.extraAccounts.push({
      address: '0x00000000000000000000000000000000000000aa',
      label: 'bridge gui relayer',
      network: 'goerli',
      lower: 1n,
      target: 2n,
    });
    const rows = fundingFor(env, keysFor(env));
    expect(rows.at(-1)).toEqual({
      network: 'goerli',
      chainId: 5,
      home: 'goerli',
      role: 'extra',
      address: '0x00000000000000000000000000000000000000aa',
      label: 'bridge gui relayer',
      lower: 1n,
      target: 2n,
    });
    env.keymaster.extraAccounts[0]!.network = 'mainnet';
    expect(() => fundingFor(env, keysFor(env))).toThrow(InventoryError);
  });

  it('leaves out roles whose signer key is not in the key list', () => {
    const env = staging();
    env.keyNames = env.keyNames.filter((n) => n !== 'kathy-signer');
    expect(fundingFor(env, keysFor(env)).some((r) => r.role === 'kathy')).toBe(false);
  });
});

describe('thresholdFor', () => {
  it('applies a per-address override on the funded network, whatever the address case', () => {
    const env = production();
    env.keymaster.networks.moonbeam!.overrides['0xabcdef0000000000000000000000000000000001'] = {
      lower: 7n,
      target: 9n,
    };
    const row = fundingFor(env, keysFor(env)).find((r) => r.network === 'moonbeam')!;
    expect(thresholdFor(row, '0xABCDEF0000000000000000000000000000000001', env)).toEqual({
      lower: 7n,
      target: 9n,
    });
    expect(thresholdFor(row, '0x1111111111111111111111111111111111111111', env)).toEqual({
      lower: row.lower,
      target: row.target,
    });
    const elsewhere = { ...row, network: 'ethereum' };
    expect(thresholdFor(elsewhere, '0xabcdef0000000000000000000000000000000001', env)).toEqual({
      lower: row.lower,
      target: row.target,
    });
  });
});
