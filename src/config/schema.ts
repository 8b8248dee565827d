import { getAddress } from 'ethers';
import { z } from 'zod';
import { AGENT_ROLES, type AgentRole } from './agent-roles.js';

/**
 * The environment file (`environments/<env>.yaml`). This schema is the single source of truth:
 * the TypeScript types, the validation and the exported JSON Schema all come from it.
 * Cross-field rules (decimals, lower < target, replica names…) live in `validate.ts`.
 */

export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export { AGENT_ROLES, type AgentRole };

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

/** Defaults of the per-network Keymaster limits (also used when code builds settings directly). */
export const DEFAULT_MAX_BATCH_SIZE = 100;
export const DEFAULT_RPC_RETRIES = 2;
export const DEFAULT_MAX_GAS_PER_TRANSFER = 200_000;
export const DEFAULT_REPLACE_AFTER_SECONDS = 60;

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
  rpc: z
    .strictObject({
      maxBatchSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(DEFAULT_MAX_BATCH_SIZE)
        .describe(
          'Most JSON-RPC calls sent in one HTTP request to this network. A provider that refuses or truncates a batch gets halves of it, down to single calls.',
        ),
      timeoutSeconds: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Timeout of one request to this network. Default: keymaster.rpcTimeoutSeconds.'),
      retries: z
        .number()
        .int()
        .min(0)
        .max(10)
        .default(DEFAULT_RPC_RETRIES)
        .describe('Further attempts after a request to this network fails to arrive.'),
    })
    .default({ maxBatchSize: DEFAULT_MAX_BATCH_SIZE, retries: DEFAULT_RPC_RETRIES })
    .describe('How the Keymaster talks to this network (each network has its own limits).'),
  gas: z
    .strictObject({
      maxPerTransfer: z
        .number()
        .int()
        .min(21_000)
        .max(30_000_000)
        .default(DEFAULT_MAX_GAS_PER_TRANSFER)
        .describe(
          'Ceiling of the estimated gas of one top-up; a recipient that needs more is unfundable.',
        ),
      maxFeePerGasGwei: Amount.optional().describe(
        'Most a top-up or its replacement may bid per gas, in gwei (decimal string, e.g. "300"). Default: no cap beyond the fee the chain asks.',
      ),
      replaceAfterSeconds: z
        .number()
        .int()
        .min(1)
        .default(DEFAULT_REPLACE_AFTER_SECONDS)
        .describe(
          'A top-up not mined this long after it was sent, and priced below what the chain now asks, is replaced at the same nonce with bumped fees.',
        ),
    })
    .default({
      maxPerTransfer: DEFAULT_MAX_GAS_PER_TRANSFER,
      replaceAfterSeconds: DEFAULT_REPLACE_AFTER_SECONDS,
    })
    .describe('Gas limits and fee bumping of top-ups on this network.'),
});

export const ExtraAccount = z.strictObject({
  address: Address,
  label: z.string().min(1).max(64),
  network: Name,
  lower: Amount,
  target: Amount,
});

/** An operator's name: it becomes part of IAM role, user and policy names. */
export const OperatorName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, {
    message:
      'must be lower-case letters and digits, words joined by single "-", starting with a letter (it becomes part of IAM names)',
  })
  .max(32)
  .describe('Short name of the party, e.g. "acme"; part of its IAM role or policy name.');

export const AgentAssignment = z
  .strictObject({
    role: z.enum(AGENT_ROLES).describe('The agent role.'),
    homes: z
      .array(Name)
      .min(1)
      .optional()
      .describe('Home networks whose agent of this role it runs. Default: every network.'),
    hotStandby: z
      .boolean()
      .default(false)
      .describe(
        'A second instance on the same key, kept ready to take over; it must not send while the primary does (two senders race on the nonce).',
      ),
  })
  .describe('Agents of one role, one per home network.');

/** IAM's rule for sts:ExternalId. It is not a secret, but unique per operator. */
const ExternalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, {
  message: 'must be 2 to 1224 of letters, digits and _ + = , . @ : / -',
});

export const OperatorAccess = z
  .strictObject({
    principal: z
      .string()
      .regex(/^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(root|role\/[\w+=,.@/-]{1,512})$/, {
        message:
          "must be the ARN of a role (arn:aws:iam::123456789012:role/name) or of an account (arn:aws:iam::123456789012:root) in the operator's own AWS account",
      })
      .optional()
      .describe(
        "The operator's role or account in its own AWS account; it assumes the role the toolkit creates for the operator.",
      ),
    externalId: ExternalId.optional().describe(
      'The sts:ExternalId the operator passes when assuming its role (required with principal).',
    ),
    user: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, {
        message: 'must be an IAM user name: 1 to 64 of letters, digits and + = , . @ _ -',
      })
      .optional()
      .describe('Instead of principal: an IAM user in this account, created by the toolkit.'),
  })
  .describe('How the operator authenticates: principal with externalId, or user.');

export const Operator = z
  .strictObject({
    name: OperatorName,
    runs: z.array(AgentAssignment).min(1).describe('The agents it runs.'),
    access: OperatorAccess,
  })
  .describe('A party that runs agents; it gets exactly the keys of those agents.');

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
        subjectPrefix: z
          .string()
          .regex(/^repo:[A-Za-z0-9_.@-]+\/[A-Za-z0-9_.@-]+$/, {
            message:
              'must be "repo:owner/name" or "repo:owner@<owner id>/name@<repository id>", no wildcards',
          })
          .optional()
          .describe(
            "The prefix of the OIDC sub claims GitHub issues to the repository: repo:owner/name (legacy, the default) or, for a repository with immutable subjects (created or renamed after 2026-06-18, or opted in), the sub_claim_prefix of GET /repos/{owner}/{repo}/actions/oidc/customization/sub, e.g. repo:octocat@123456/my-repo@456789 (GitHub's changelog spells it repo:octocat-123456/my-repo-456789; both are accepted). The trust policies of the OIDC roles use it as written.",
          ),
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
    operators: z
      .array(Operator)
      .optional()
      .describe(
        'Parties that run agents (staging and production are operated by several). Each gets a role or user that can sign with exactly the keys of its agents.',
      ),
    coreTeam: z
      .strictObject({
        runs: z
          .array(AgentAssignment)
          .describe('The agents the core team runs with the signer group (iam.signerGroup).'),
      })
      .optional()
      .describe(
        "Agents left to the core team's signer group. Default: every agent when no operator is listed; with operators, every agent must have an operator or be listed here.",
      ),
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
      eks: z
        .strictObject({
          oidcIssuer: z
            .string()
            .regex(/^https:\/\/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Za-z0-9]+$/, {
              message:
                "must be the cluster's OIDC issuer URL, https://oidc.eks.{region}.amazonaws.com/id/{id} (aws eks describe-cluster --query cluster.identity.oidc.issuer)",
            })
            .describe("The EKS cluster's OIDC issuer URL."),
          namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
              message: 'must be a Kubernetes namespace name',
            })
            .default('nomad-keymaster')
            .describe('Namespace of keymaster serve (its ServiceAccount is nomad-keymaster).'),
        })
        .optional()
        .describe(
          'The EKS cluster that runs keymaster serve: the Keymaster role trusts its ServiceAccount (IRSA).',
        ),
    }),
  })
  .describe('A Nomad agent-ops environment (development, staging or production).');

export type EnvironmentInput = z.input<typeof Environment>;
export type EnvironmentConfig = z.output<typeof Environment>;
export type NetworkConfig = z.output<typeof Network>;
export type KeymasterNetworkConfig = z.output<typeof KeymasterNetwork>;
export type ThresholdConfig = z.output<typeof Threshold>;
export type OperatorConfig = z.output<typeof Operator>;
export type AgentAssignmentConfig = z.output<typeof AgentAssignment>;
