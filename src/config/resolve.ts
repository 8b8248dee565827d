import { parseUnits } from 'ethers';
import { ConfigError } from './errors.js';
import type {
  ResolvedAssignment,
  ResolvedEnvironment,
  ResolvedOperator,
  ResolvedKeymasterNetwork,
  ResolvedNetwork,
  ResolvedRotation,
  ThresholdWei,
} from './model.js';
import {
  type AgentAssignmentConfig,
  type EnvironmentConfig,
  type KeymasterNetworkConfig,
  type KeyRotationConfig,
  type ThresholdConfig,
} from './schema.js';
import { type KeyName, defaultKeyNames, type AgentRole } from './names.js';

/**
 * Defaults applied and amounts parsed to integer wei. Only call with a config that passed the
 * schema and `crossFieldIssues` (decimals are checked there, so `parseUnits` is exact here).
 */
export function resolveEnvironment(config: EnvironmentConfig, source: string): ResolvedEnvironment {
  const env = config.environment;
  const decimalsOf = new Map(config.networks.map((n) => [n.name, n.nativeToken.decimals]));
  const decimals = (network: string) => {
    const d = decimalsOf.get(network);
    if (d === undefined)
      throw new ConfigError(
        `keymaster refers to unknown network "${network}": add it under networks, and load ` +
          'the file with loadEnvironmentFile (or check it with crossFieldIssues) before resolving',
      );
    return d;
  };
  return {
    source,
    name: env,
    aws: { accountId: config.aws.accountId, region: config.aws.region },
    github: {
      ...(config.github.repository === undefined ? {} : { repository: config.github.repository }),
      ...(config.github.subjectPrefix === undefined
        ? {}
        : { subjectPrefix: config.github.subjectPrefix }),
    },
    keyStore: env === 'development' ? 'secrets-manager' : 'kms',
    keyNames: config.keys.names ?? defaultKeyNames(env),
    gracePeriodDays: config.keys.gracePeriodDays,
    rotations: config.keys.rotate.map(resolveRotation),
    networks: config.networks.map((network) => resolveNetwork(network, config)),
    iam: {
      signerUser: config.iam.signerUser ?? `nomad-signer-${env}`,
      signerGroup: config.iam.signerGroup ?? `${env}-signer`,
      adminUser: config.iam.adminUser,
      adminGroup: config.iam.adminGroup,
    },
    proofsBucket: {
      name: config.proofsBucket.name ?? `nomadxyz-${env}-proofs`,
      corsOrigins: config.proofsBucket.corsOrigins,
    },
    keymaster: {
      intervalSeconds: config.keymaster.intervalSeconds,
      burn: config.keymaster.burn,
      rpcTimeoutSeconds: config.keymaster.rpcTimeoutSeconds,
      receiptTimeoutSeconds: config.keymaster.receiptTimeoutSeconds,
      networks: Object.fromEntries(
        Object.entries(config.keymaster.networks).map(([name, entry]) => [
          name,
          resolveKeymasterNetwork(entry, decimals(name), config.keymaster.rpcTimeoutSeconds),
        ]),
      ),
      extraAccounts: config.keymaster.extraAccounts.map((account) => ({
        address: account.address,
        label: account.label,
        network: account.network,
        ...thresholdWei(account, decimals(account.network)),
      })),
      ...(config.keymaster.eks
        ? {
            eks: {
              oidcIssuer: config.keymaster.eks.oidcIssuer,
              namespace: config.keymaster.eks.namespace,
              ...(config.keymaster.eks.image ? { image: config.keymaster.eks.image } : {}),
            },
          }
        : {}),
    },
    ...resolveOperators(config),
  };
}

function resolveRotation(entry: KeyRotationConfig): ResolvedRotation {
  const { state, reason } = entry;
  if (entry.key === 'bank') return { target: 'bank', state, reason };
  const [network, keyName] = entry.key.split('/') as [string, KeyName];
  return { target: 'agent', network, keyName, state, reason };
}

/** Neither operators nor coreTeam: the fields stay absent and the core team runs every agent. */
function resolveOperators(
  config: EnvironmentConfig,
): Pick<ResolvedEnvironment, 'operators' | 'coreTeam'> {
  if (config.operators === undefined && config.coreTeam === undefined) return {};
  const networks = config.networks.map((n) => n.name);
  const assignment = (a: AgentAssignmentConfig): ResolvedAssignment => ({
    role: a.role,
    homes: [...(a.homes ?? networks)],
    hotStandby: a.hotStandby,
  });
  const operators = (config.operators ?? []).map((o): ResolvedOperator => ({
    name: o.name,
    runs: o.runs.map(assignment),
    access:
      o.access.user !== undefined
        ? { kind: 'user', userName: o.access.user }
        : {
            kind: 'role',
            principal: o.access.principal ?? '',
            externalId: o.access.externalId ?? '',
          },
  }));
  return { operators, coreTeam: { runs: (config.coreTeam?.runs ?? []).map(assignment) } };
}

function resolveNetwork(
  network: EnvironmentConfig['networks'][number],
  config: EnvironmentConfig,
): ResolvedNetwork {
  const resolved: ResolvedNetwork = {
    name: network.name,
    chainId: network.chainId,
    nativeToken: { symbol: network.nativeToken.symbol, decimals: network.nativeToken.decimals },
    rpcUrlEnv: network.rpcUrlEnv,
    replicas: (network.replicas ?? config.networks.map((n) => n.name)).filter(
      (name) => name !== network.name,
    ),
  };
  if (network.eip1559 !== undefined) resolved.eip1559 = network.eip1559;
  return resolved;
}

function resolveKeymasterNetwork(
  entry: KeymasterNetworkConfig,
  decimals: number,
  rpcTimeoutSeconds: number,
): ResolvedKeymasterNetwork {
  const roles: Partial<Record<AgentRole, ThresholdWei>> = {};
  for (const [role, threshold] of Object.entries(entry.roles) as [AgentRole, ThresholdConfig][]) {
    roles[role] = thresholdWei(threshold, decimals);
  }
  return {
    roles,
    bank: {
      reserve: parseUnits(entry.bank.reserve, decimals),
      alertBelow: parseUnits(entry.bank.alertBelow, decimals),
    },
    capPerRun: parseUnits(entry.capPerRun, decimals),
    overrides: Object.fromEntries(
      entry.overrides.map((o) => [o.address.toLowerCase(), thresholdWei(o, decimals)]),
    ),
    rpc: {
      maxBatchSize: entry.rpc.maxBatchSize,
      timeoutSeconds: entry.rpc.timeoutSeconds ?? rpcTimeoutSeconds,
      retries: entry.rpc.retries,
    },
    gas: {
      maxPerTransfer: BigInt(entry.gas.maxPerTransfer),
      ...(entry.gas.maxFeePerGasGwei === undefined
        ? {}
        : { maxFeePerGas: parseUnits(entry.gas.maxFeePerGasGwei, 9) }),
      replaceAfterSeconds: entry.gas.replaceAfterSeconds,
    },
  };
}

function thresholdWei(threshold: ThresholdConfig, decimals: number): ThresholdWei {
  return {
    lower: parseUnits(threshold.lower, decimals),
    target: parseUnits(threshold.target, decimals),
  };
}
