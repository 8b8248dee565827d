import { parseUnits } from 'ethers';
import { DEFAULT_BURN } from '../../src/config/schema-burn.js';
import type { ResolvedEnvironment, ResolvedKeymasterNetwork } from '../../src/config/model.js';
import { defaultKeyNames, type EnvironmentName } from '../../src/config/names.js';

/**
 * ResolvedEnvironment objects that mirror environments/*.yaml, built by hand so these tests do
 * not depend on the loader. `real-files.test.ts` checks the real files resolve to the same shape.
 */

const wei = (amount: string) => parseUnits(amount, 18);
const threshold = (lower: string, target: string) => ({ lower: wei(lower), target: wei(target) });

interface NetworkSketch {
  name: string;
  chainId: number;
  symbol: string;
  eip1559?: boolean;
  replicas?: string[];
}

function environment(
  name: EnvironmentName,
  accountId: string,
  networks: NetworkSketch[],
  keymaster: Record<string, ResolvedKeymasterNetwork>,
  intervalSeconds: number,
): ResolvedEnvironment {
  return {
    source: `/fixtures/environments/${name}.yaml`,
    name,
    aws: { accountId, region: 'us-west-2' },
    github: { repository: 'nomad-xyz/nomad-agent-ops' },
    keyStore: name === 'development' ? 'secrets-manager' : 'kms',
    keyNames: defaultKeyNames(name),
    gracePeriodDays: 30,
    rotations: [],
    networks: networks.map((n) => ({
      name: n.name,
      chainId: n.chainId,
      nativeToken: { symbol: n.symbol, decimals: 18 },
      rpcUrlEnv: `${n.name.toUpperCase()}_RPC_URL`,
      replicas: n.replicas ?? networks.filter((o) => o.name !== n.name).map((o) => o.name),
      ...(n.eip1559 === undefined ? {} : { eip1559: n.eip1559 }),
    })),
    iam: {
      signerUser: `nomad-signer-${name}`,
      signerGroup: `${name}-signer`,
      adminUser: 'kms-admin',
      adminGroup: 'kms-admin',
    },
    proofsBucket: { name: `nomadxyz-${name}-proofs`, corsOrigins: ['*'] },
    keymaster: {
      intervalSeconds,
      rpcTimeoutSeconds: 15,
      receiptTimeoutSeconds: 180,
      networks: keymaster,
      extraAccounts: [],
      burn: { ...DEFAULT_BURN },
    },
  };
}

/** The per-network RPC and gas defaults the schema applies. */
const transportDefaults = (): Pick<ResolvedKeymasterNetwork, 'rpc' | 'gas'> => ({
  rpc: { maxBatchSize: 100, timeoutSeconds: 15, retries: 2 },
  gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 60 },
});

const testnet = (): ResolvedKeymasterNetwork => ({
  roles: {
    updater: threshold('0.5', '1'),
    watcher: threshold('0.2', '0.5'),
    relayer: threshold('0.5', '1'),
    processor: threshold('0.5', '1'),
    kathy: threshold('0.1', '0.25'),
  },
  bank: { reserve: wei('1'), alertBelow: wei('5') },
  capPerRun: wei('20'),
  overrides: {},
  ...transportDefaults(),
});

const mainnet = (
  updater: [string, string],
  watcher: [string, string],
  relayer: [string, string],
  processor: [string, string],
  reserve: string,
  alertBelow: string,
  capPerRun: string,
): ResolvedKeymasterNetwork => ({
  roles: {
    updater: threshold(...updater),
    watcher: threshold(...watcher),
    relayer: threshold(...relayer),
    processor: threshold(...processor),
  },
  bank: { reserve: wei(reserve), alertBelow: wei(alertBelow) },
  capPerRun: wei(capPerRun),
  overrides: {},
  ...transportDefaults(),
});

export function development(): ResolvedEnvironment {
  return environment(
    'development',
    '123456789012',
    [
      { name: 'rinkeby', chainId: 4, symbol: 'ETH' },
      { name: 'kovan', chainId: 42, symbol: 'ETH' },
      { name: 'moonbasealpha', chainId: 1287, symbol: 'DEV' },
    ],
    { rinkeby: testnet(), kovan: testnet(), moonbasealpha: testnet() },
    120,
  );
}

export function staging(): ResolvedEnvironment {
  return environment(
    'staging',
    '210987654321',
    [
      { name: 'kovan', chainId: 42, symbol: 'ETH' },
      { name: 'moonbasealpha', chainId: 1287, symbol: 'DEV' },
      { name: 'goerli', chainId: 5, symbol: 'ETH' },
      { name: 'sepolia', chainId: 11155111, symbol: 'ETH' },
    ],
    { kovan: testnet(), moonbasealpha: testnet(), goerli: testnet(), sepolia: testnet() },
    300,
  );
}

export function production(): ResolvedEnvironment {
  const alt = (): ResolvedKeymasterNetwork =>
    mainnet(['5', '20'], ['5', '20'], ['10', '50'], ['10', '50'], '20', '200', '500');
  return environment(
    'production',
    '345678901234',
    [
      { name: 'ethereum', chainId: 1, symbol: 'ETH' },
      { name: 'moonbeam', chainId: 1284, symbol: 'GLMR' },
      { name: 'evmos', chainId: 9001, symbol: 'EVMOS' },
      { name: 'avalanche', chainId: 43114, symbol: 'AVAX' },
      { name: 'xdai', chainId: 100, symbol: 'XDAI' },
      { name: 'milkomedaC1', chainId: 2001, symbol: 'milkADA', eip1559: false },
    ],
    {
      ethereum: mainnet(
        ['0.5', '1.5'],
        ['0.25', '0.75'],
        ['0.5', '1.5'],
        ['1', '3'],
        '2',
        '10',
        '15',
      ),
      moonbeam: alt(),
      evmos: alt(),
      avalanche: mainnet(['1', '5'], ['1', '5'], ['2', '10'], ['2', '10'], '5', '50', '100'),
      xdai: alt(),
      milkomedaC1: mainnet(
        ['20', '100'],
        ['20', '100'],
        ['50', '200'],
        ['50', '200'],
        '100',
        '1000',
        '2000',
      ),
    },
    300,
  );
}

export const allFixtures = (): ResolvedEnvironment[] => [development(), staging(), production()];
