import { getAddress } from 'ethers';
import { z } from 'zod';

/**
 * The environment file (`environments/<env>.yaml`). This schema is the single source of truth:
 * the TypeScript types, the validation and the exported JSON Schema all come from it.
 * Cross-field rules (decimals, lower < target, replica names…) live in `validate.ts`.
 */

export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const AGENT_ROLES = ['updater', 'watcher', 'relayer', 'processor', 'kathy'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const KEY_NAMES = [
  'watcher-signer',
  'watcher-attestation',
  'updater-signer',
  'updater-attestation',
  'processor-signer',
  'relayer-signer',
  'kathy-signer',
] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/** Nomad's defaults: six key names, plus kathy outside production. */
export function defaultKeyNames(env: EnvironmentName): KeyName[] {
  const six: KeyName[] = [
    'watcher-signer',
    'watcher-attestation',
    'updater-signer',
    'updater-attestation',
    'processor-signer',
    'relayer-signer',
  ];
  return env === 'production' ? six : [...six, 'kathy-signer'];
}

/** A positive decimal in the chain's native unit, e.g. "0.5". Never a number: floats never touch money. */
export const Amount = z
  .string()
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, {
    error: (issue) =>
      typeof issue.input === 'string' && issue.input.trim().startsWith('-')
        ? 'must not be negative: amounts are decimal strings in the native unit, like "0.5"'
        : 'must be a decimal string in the native unit, like "0.5" (quote it in YAML)',
  })
  .describe('Decimal amount in the network native unit, as a string, e.g. "0.5".');

/** Looks like an endpoint rather than a variable name. The value itself is never put in a message: it may carry an API key. */
export function looksLikeUrl(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('://') || /^(https?|wss?):/i.test(value));
}

/**
 * Only variables named `*_RPC_URL` are read as RPC URLs: a file cannot make the toolkit read (and
 * treat as an endpoint) `AWS_SECRET_ACCESS_KEY` or any other variable of the process.
 */
export const RPC_URL_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_RPC_URL$/;

const RpcUrlEnvName = z.string().regex(RPC_URL_ENV_PATTERN, {
  error: (issue) =>
    looksLikeUrl(issue.input)
      ? 'this is a URL, not a variable name: put the URL in a secret/variable and give its name here (like ETHEREUM_RPC_URL); RPC URLs often carry an API key, so rotate the key if this was ever pushed'
      : 'must be the NAME of an environment variable holding the RPC URL, upper case and ending in _RPC_URL (like ETHEREUM_RPC_URL), never the URL itself; other variables are never read',
});

const Name = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, {
  message: 'must be letters and digits, starting with a letter (it becomes part of KMS aliases)',
});

const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte hex address' })
  .refine(hasValidChecksum, {
    message:
      'has a wrong EIP-55 checksum (mixed case that does not match the address): copy the address again, or write it all in lower case',
  });

/** All-lower or all-upper hex carries no checksum; mixed case must be the address's EIP-55 form. */
function hasValidChecksum(address: string): boolean {
  const hex = address.slice(2);
  if (!/^[0-9a-fA-F]{40}$/.test(hex) || hex === hex.toLowerCase() || hex === hex.toUpperCase()) {
    return true;
  }
  try {
    return getAddress(address) === address;
  } catch {
    return false;
  }
}

export const Network = z
  .strictObject({
    name: Name.describe('Network name as Nomad uses it, e.g. "ethereum", "moonbeam".'),
    chainId: z.number().int().positive().describe('EVM chain id.'),
    nativeToken: z.strictObject({
      symbol: z.string().min(1).max(11),
      decimals: z.number().int().min(0).max(36).default(18),
    }),
    rpcUrlEnv: RpcUrlEnvName.describe(
      'Name of the environment variable (a secret in GitHub) that holds the RPC URL: upper case, ending in _RPC_URL.',
    ),
    replicas: z
      .array(Name)
      .optional()
      .describe('Networks that hold a replica of this home. Default: all other networks.'),
    eip1559: z
      .boolean()
      .optional()
      .describe('Whether to send EIP-1559 transactions. Default: detected from the chain.'),
  })
  .describe('One chain the agents run on.');

export const Threshold = z.strictObject({
  lower: Amount.describe('Below this balance the wallet is topped up.'),
  target: Amount.describe('A top-up brings the wallet to this balance.'),
});

export const KeymasterNetwork = z.strictObject({
  roles: z
    .partialRecord(z.enum(AGENT_ROLES), Threshold)
    .describe('Funding thresholds per agent role on this network.'),
  bank: z.strictObject({
    reserve: Amount.describe('The bank never pays below this balance.'),
    alertBelow: Amount.describe('The Keymaster run fails when the bank is below this.'),
  }),
  capPerRun: Amount.describe('At most this much is sent on this network in one run.'),
  overrides: z
    .array(Threshold.extend({ address: Address }).strict())
    .default([])
    .describe('Per-address thresholds that replace the role thresholds.'),
});

export const ExtraAccount = z.strictObject({
  address: Address,
  label: z.string().min(1).max(64),
  network: Name,
  lower: Amount,
  target: Amount,
});

export const Environment = z
  .strictObject({
    environment: z.enum(ENVIRONMENT_NAMES),
    aws: z.strictObject({
      accountId: z
        .string()
        .regex(/^[0-9]{12}$/, { message: 'must be the 12-digit AWS account id, quoted' }),
      region: z.string().describe('The one AWS region for all keys, e.g. us-west-2.'),
    }),
    github: z
      .strictObject({
        repository: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: 'must be owner/name' })
          .optional()
          .describe('owner/name of the repository whose workflows assume the roles.'),
      })
      .default({}),
    keys: z
      .strictObject({
        names: z.array(z.enum(KEY_NAMES)).min(1).optional(),
      })
      .default({})
      .describe('Key names; default Nomad six, plus kathy-signer outside production.'),
    networks: z.array(Network).min(1),
    iam: z
      .strictObject({
        signerUser: z.string().optional(),
        signerGroup: z.string().optional(),
        adminUser: z.string().default('kms-admin'),
        adminGroup: z.string().default('kms-admin'),
      })
      .default({ adminUser: 'kms-admin', adminGroup: 'kms-admin' }),
    proofsBucket: z
      .strictObject({
        name: z.string().optional().describe('Default nomadxyz-{env}-proofs.'),
        corsOrigins: z.array(z.string().min(1)).default(['*']),
      })
      .default({ corsOrigins: ['*'] }),
    keymaster: z.strictObject({
      intervalSeconds: z.number().int().min(10).default(300),
      rpcTimeoutSeconds: z.number().int().min(1).default(15),
      receiptTimeoutSeconds: z.number().int().min(5).default(180),
      networks: z.record(Name, KeymasterNetwork),
      extraAccounts: z.array(ExtraAccount).default([]),
    }),
  })
  .describe('A Nomad agent-ops environment (development, staging or production).');

export type EnvironmentInput = z.input<typeof Environment>;
export type EnvironmentConfig = z.output<typeof Environment>;
export type NetworkConfig = z.output<typeof Network>;
export type KeymasterNetworkConfig = z.output<typeof KeymasterNetwork>;
export type ThresholdConfig = z.output<typeof Threshold>;
