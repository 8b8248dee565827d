import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/config/resolve.js';
import { Environment, type EnvironmentInput } from '../../src/config/schema.js';

function input(overrides: Partial<EnvironmentInput> = {}): EnvironmentInput {
  const threshold = { lower: '0.5', target: '1' };
  const entry = () => ({
    roles: { updater: threshold, watcher: threshold, relayer: threshold, processor: threshold },
    bank: { reserve: '1', alertBelow: '5' },
    capPerRun: '20',
  });
  return {
    environment: 'staging',
    aws: { accountId: '210987654321', region: 'eu-west-1' },
    networks: [
      { name: 'alpha', chainId: 1, nativeToken: { symbol: 'ETH' }, rpcUrlEnv: 'ALPHA_RPC_URL' },
      {
        name: 'beta',
        chainId: 2,
        nativeToken: { symbol: 'USDC', decimals: 6 },
        rpcUrlEnv: 'BETA_RPC_URL',
      },
      {
        name: 'gamma',
        chainId: 3,
        nativeToken: { symbol: 'G', decimals: 0 },
        rpcUrlEnv: 'GAMMA_RPC_URL',
      },
    ],
    keymaster: { networks: { alpha: entry(), beta: entry(), gamma: { ...entry(), roles: {} } } },
    ...overrides,
  };
}

const resolve = (i: EnvironmentInput, source = '/abs/env.yaml') =>
  resolveEnvironment(Environment.parse(i), source);

describe('resolveEnvironment', () => {
  it('parses "0.5" to wei by each network’s decimals, never through a float', () => {
    const env = resolve(input());
    expect(env.keymaster.networks.alpha?.roles.updater).toEqual({
      lower: 500_000_000_000_000_000n,
      target: 1_000_000_000_000_000_000n,
    });
    expect(env.keymaster.networks.beta?.roles.updater).toEqual({
      lower: 500_000n,
      target: 1_000_000n,
    });
    expect(env.keymaster.networks.beta?.bank).toEqual({
      reserve: 1_000_000n,
      alertBelow: 5_000_000n,
    });
    expect(env.keymaster.networks.beta?.capPerRun).toBe(20_000_000n);
  });

  it('applies per-network RPC and gas limits, the timeout inherited, the fee cap in gwei', () => {
    const i = input();
    i.keymaster.rpcTimeoutSeconds = 7;
    i.keymaster.networks.beta = {
      ...i.keymaster.networks.beta!,
      rpc: { maxBatchSize: 10, timeoutSeconds: 3, retries: 0 },
      gas: { maxPerTransfer: 90_000, maxFeePerGasGwei: '250.5', replaceAfterSeconds: 30 },
    };
    const env = resolve(i);
    expect(env.keymaster.networks.alpha).toMatchObject({
      rpc: { maxBatchSize: 100, timeoutSeconds: 7, retries: 2 },
      gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 60 },
    });
    expect(env.keymaster.networks.alpha?.gas.maxFeePerGas).toBeUndefined();
    // Gwei are 10^9 wei even on a chain whose token has 6 decimals.
    expect(env.keymaster.networks.beta).toMatchObject({
      rpc: { maxBatchSize: 10, timeoutSeconds: 3, retries: 0 },
      gas: { maxPerTransfer: 90_000n, maxFeePerGas: 250_500_000_000n, replaceAfterSeconds: 30 },
    });
  });

  it('keeps digits a float would lose', () => {
    const i = input();
    i.keymaster.networks.alpha!.capPerRun = '123456789123.123456789123456789';
    expect(resolve(i).keymaster.networks.alpha?.capPerRun).toBe(123456789123123456789123456789n);
  });

  it('applies the defaults of a staging environment', () => {
    const env = resolve(input());
    expect(env).toMatchObject({
      source: '/abs/env.yaml',
      name: 'staging',
      keyStore: 'kms',
      github: {},
      iam: {
        signerUser: 'nomad-signer-staging',
        signerGroup: 'staging-signer',
        adminUser: 'kms-admin',
        adminGroup: 'kms-admin',
      },
      proofsBucket: { name: 'nomadxyz-staging-proofs', corsOrigins: ['*'] },
      keymaster: {
        intervalSeconds: 300,
        rpcTimeoutSeconds: 15,
        receiptTimeoutSeconds: 180,
        extraAccounts: [],
      },
    });
    expect(env.keyNames).toContain('kathy-signer');
    expect(env.networks[0]?.nativeToken).toEqual({ symbol: 'ETH', decimals: 18 });
    expect(env.networks[0]).not.toHaveProperty('eip1559');
  });

  it('uses Secrets Manager in development and no kathy in production', () => {
    expect(resolve(input({ environment: 'development' })).keyStore).toBe('secrets-manager');
    const production = resolve(input({ environment: 'production' }));
    expect(production.keyNames).toHaveLength(6);
    expect(production.keyNames).not.toContain('kathy-signer');
    expect(production.proofsBucket.name).toBe('nomadxyz-production-proofs');
  });

  it('makes every other network a replica by default, and keeps listed replicas', () => {
    const i = input();
    i.networks[2]!.replicas = ['alpha'];
    const env = resolve(i);
    expect(env.networks.map((n) => [n.name, n.replicas])).toEqual([
      ['alpha', ['beta', 'gamma']],
      ['beta', ['alpha', 'gamma']],
      ['gamma', ['alpha']],
    ]);
  });

  it('keys overrides by lower-cased address and keeps explicit settings', () => {
    const i = input({ iam: { signerUser: 'custom-user' }, keys: { names: ['updater-signer'] } });
    i.networks[0]!.eip1559 = false;
    i.keymaster.networks.alpha!.overrides = [
      { address: '0x000000000000000000000000000000000000dEaD', lower: '2', target: '3.25' },
    ];
    i.keymaster.extraAccounts = [
      {
        address: '0x000000000000000000000000000000000000bEEF',
        label: 'deployer',
        network: 'beta',
        lower: '0.5',
        target: '2',
      },
    ];
    const env = resolve(i);
    expect(env.keyNames).toEqual(['updater-signer']);
    expect(env.iam.signerUser).toBe('custom-user');
    expect(env.iam.signerGroup).toBe('staging-signer');
    expect(env.networks[0]).toMatchObject({ eip1559: false });
    expect(env.keymaster.networks.alpha?.overrides).toEqual({
      '0x000000000000000000000000000000000000dead': {
        lower: 2n * 10n ** 18n,
        target: 325n * 10n ** 16n,
      },
    });
    expect(env.keymaster.extraAccounts).toEqual([
      {
        address: '0x000000000000000000000000000000000000bEEF',
        label: 'deployer',
        network: 'beta',
        lower: 500_000n,
        target: 2_000_000n,
      },
    ]);
  });
});

describe('keys.rotate and keys.gracePeriodDays (issue 26)', () => {
  it('defaults to no rotation and KMS’s longest window, 30 days', () => {
    const env = resolve(input());
    expect(env.rotations).toEqual([]);
    expect(env.gracePeriodDays).toBe(30);
  });

  it('splits <network>/<keyName> and keeps the bank apart, in file order', () => {
    const env = resolve(
      input({
        keys: {
          gracePeriodDays: 7,
          rotate: [
            { key: 'beta/relayer-signer', state: 'staged', reason: 'operator left' },
            { key: 'bank', state: 'switched', reason: 'yearly' },
          ],
        },
      }),
    );
    expect(env.gracePeriodDays).toBe(7);
    expect(env.rotations).toEqual([
      {
        target: 'agent',
        network: 'beta',
        keyName: 'relayer-signer',
        state: 'staged',
        reason: 'operator left',
      },
      { target: 'bank', state: 'switched', reason: 'yearly' },
    ]);
  });
});
