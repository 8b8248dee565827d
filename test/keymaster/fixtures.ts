import { Wallet } from 'ethers';
import { DEFAULT_BURN } from '../../src/config/schema-burn.js';
import type { ResolvedEnvironment, ResolvedKeymasterNetwork } from '../../src/config/model.js';
import type { AgentRole } from '../../src/config/names.js';
import type { FundingAccount } from '../../src/inventory/types.js';

export const ETH = 10n ** 18n;

export interface TestNetwork {
  name: string;
  chainId: number;
  settings?: Partial<ResolvedKeymasterNetwork>;
}

export function networkSettings(
  overrides: Partial<ResolvedKeymasterNetwork> = {},
): ResolvedKeymasterNetwork {
  return {
    roles: {
      updater: { lower: ETH / 2n, target: ETH },
      relayer: { lower: ETH / 2n, target: ETH },
      processor: { lower: ETH / 2n, target: ETH },
      watcher: { lower: ETH / 5n, target: ETH / 2n },
    },
    bank: { reserve: ETH, alertBelow: 2n * ETH },
    capPerRun: 20n * ETH,
    overrides: {},
    rpc: { maxBatchSize: 100, timeoutSeconds: 5, retries: 2 },
    gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 60 },
    ...overrides,
  };
}

/** A resolved environment over local chains (what `resolve.ts` would produce from a file). */
export function testEnvironment(
  networks: TestNetwork[],
  keymaster: Partial<ResolvedEnvironment['keymaster']> = {},
): ResolvedEnvironment {
  return {
    source: '/test/environments/development.yaml',
    name: 'development',
    aws: { accountId: '123456789012', region: 'us-west-2' },
    github: {},
    keyStore: 'secrets-manager',
    keyNames: ['relayer-signer', 'processor-signer', 'updater-signer', 'watcher-signer'],
    gracePeriodDays: 30,
    rotations: [],
    networks: networks.map((n) => ({
      name: n.name,
      chainId: n.chainId,
      nativeToken: { symbol: 'ETH', decimals: 18 },
      rpcUrlEnv: `${n.name.toUpperCase()}_RPC_URL`,
      replicas: networks.filter((o) => o.name !== n.name).map((o) => o.name),
    })),
    iam: { signerUser: 'u', signerGroup: 'g', adminUser: 'a', adminGroup: 'ag' },
    proofsBucket: { name: 'nomadxyz-development-proofs', corsOrigins: [] },
    keymaster: {
      intervalSeconds: 60,
      rpcTimeoutSeconds: 5,
      receiptTimeoutSeconds: 20,
      extraAccounts: [],
      burn: { ...DEFAULT_BURN },
      ...keymaster,
      // As resolve.ts does: a network without its own RPC timeout inherits the environment's.
      networks: Object.fromEntries(
        networks.map((n) => [
          n.name,
          networkSettings({
            ...n.settings,
            rpc: {
              maxBatchSize: 100,
              retries: 2,
              timeoutSeconds: keymaster.rpcTimeoutSeconds ?? 5,
              ...n.settings?.rpc,
            },
          }),
        ]),
      ),
    },
  };
}

/** Funding rows for fresh random keys: one per (network, role), with the aliases → addresses map. */
export function agentRows(
  env: ResolvedEnvironment,
  roles: AgentRole[],
): { rows: FundingAccount[]; addresses: Map<string, string> } {
  const rows: FundingAccount[] = [];
  const addresses = new Map<string, string>();
  for (const network of env.networks) {
    for (const role of roles) {
      const threshold = env.keymaster.networks[network.name]?.roles[role];
      if (!threshold) continue;
      const alias = `alias/${env.name}-${network.name}-${role}-signer`;
      addresses.set(alias, Wallet.createRandom().address);
      rows.push({
        network: network.name,
        chainId: network.chainId,
        home: network.name,
        role,
        alias,
        label: `${network.name} ${role}`,
        lower: threshold.lower,
        target: threshold.target,
      });
    }
  }
  return { rows, addresses };
}

export function resolverFor(addresses: Map<string, string>) {
  return async (alias: string) => {
    const address = addresses.get(alias);
    if (!address) throw new Error(`no key ${alias}`);
    return address;
  };
}
