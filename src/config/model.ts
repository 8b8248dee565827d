import type { AgentRole, EnvironmentName, KeyName } from './names.js';
import type { RotationState } from './schema-keys.js';
import type { KeymasterBurnConfig } from './schema-burn.js';

/**
 * A validated environment with every default applied and every amount parsed to integer wei.
 * This is what the rest of the toolkit consumes; nothing downstream reads raw YAML.
 */
export interface ResolvedEnvironment {
  /** Absolute path of the file it came from (for messages). */
  source: string;
  name: EnvironmentName;
  aws: { accountId: string; region: string };
  /** subjectPrefix: the OIDC `sub` prefix as GitHub issues it, when the file states one. */
  github: { repository?: string; subjectPrefix?: string };
  /** development: hex keys in Secrets Manager; staging/production: KMS keys. */
  keyStore: 'secrets-manager' | 'kms';
  keyNames: KeyName[];
  /** Days between retiring a key (disabled, deletion scheduled) and its deletion (7–30). */
  gracePeriodDays: number;
  /** `keys.rotate`, in file order; each names a key of this file at most once. */
  rotations: ResolvedRotation[];
  networks: ResolvedNetwork[];
  iam: { signerUser: string; signerGroup: string; adminUser: string; adminGroup: string };
  proofsBucket: { name: string; corsOrigins: string[] };
  keymaster: ResolvedKeymaster;
  /**
   * Contracted operators (staging, production). Absent together with `coreTeam` when the file
   * lists neither: the core team's signer group then runs every agent, as before operators.
   */
  operators?: ResolvedOperator[];
  /** The agents left to the core team's signer group; absent: every agent. */
  coreTeam?: { runs: ResolvedAssignment[] };
}

/**
 * One declared rotation. `bank` rotates the environment's funding key; otherwise `network` and
 * `keyName` name an agent key of this file (`alias/{env}-{network}-{keyName}`).
 */
export type ResolvedRotation = (
  { target: 'bank' } | { target: 'agent'; network: string; keyName: KeyName }
) & { state: RotationState; reason: string };

/** Agents of one role on the listed homes (every network when the file lists none). */
export interface ResolvedAssignment {
  role: AgentRole;
  homes: string[];
  hotStandby: boolean;
}

export type ResolvedOperatorAccess =
  { kind: 'role'; principal: string; externalId: string } | { kind: 'user'; userName: string };

export interface ResolvedOperator {
  name: string;
  runs: ResolvedAssignment[];
  access: ResolvedOperatorAccess;
}

export interface ResolvedNetwork {
  name: string;
  chainId: number;
  nativeToken: { symbol: string; decimals: number };
  rpcUrlEnv: string;
  /** Names of the networks that replicate this home (never includes itself). */
  replicas: string[];
  eip1559?: boolean;
}

export interface ThresholdWei {
  lower: bigint;
  target: bigint;
}

export interface ResolvedKeymasterNetwork {
  roles: Partial<Record<AgentRole, ThresholdWei>>;
  bank: { reserve: bigint; alertBelow: bigint };
  capPerRun: bigint;
  /** Keyed by lower-cased address. */
  overrides: Record<string, ThresholdWei>;
  rpc: { maxBatchSize: number; timeoutSeconds: number; retries: number };
  gas: {
    /** Ceiling of the estimated gas of one top-up. */
    maxPerTransfer: bigint;
    /** Most a top-up or its replacement bids per gas, in wei; undefined: no cap. */
    maxFeePerGas?: bigint;
    replaceAfterSeconds: number;
  };
}

export interface ResolvedKeymaster {
  intervalSeconds: number;
  /** The burn alert and threshold proposal (config/schema-burn.ts). */
  burn: KeymasterBurnConfig;
  rpcTimeoutSeconds: number;
  receiptTimeoutSeconds: number;
  networks: Record<string, ResolvedKeymasterNetwork>;
  extraAccounts: Array<{
    address: string;
    label: string;
    network: string;
    lower: bigint;
    target: bigint;
  }>;
  /** The EKS cluster that runs `keymaster serve` (IRSA), when the file names one. */
  eks?: { oidcIssuer: string; namespace: string; image?: string };
}
