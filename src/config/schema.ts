import { REPOSITORY_PATTERN } from './github-subject.js';
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from './names.js';
import { Name, RpcUrlEnvName } from './schema-fields.js';
import { KeymasterBurn } from './schema-burn.js';
import { ExtraAccount, KeymasterNetwork, Threshold } from './schema-keymaster.js';
import { GRACE_PERIOD_DAYS, KeyRotation, Keys } from './schema-keys.js';
import { AgentAssignment, Operator } from './schema-operators.js';
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
          .regex(REPOSITORY_PATTERN, {
            message:
              'must be owner/name as GitHub allows them (owner: letters, digits, "-"; name: letters, digits, "_", ".", "-", not "." or "..")',
          })
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
    keys: Keys.default({ gracePeriodDays: GRACE_PERIOD_DAYS.default, rotate: [] }),
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
      burn: KeymasterBurn,
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
          image: z
            .string()
            .min(1)
            .optional()
            .describe(
              'Image of keymaster serve, pinned by digest (name[:tag]@sha256:…): what keymaster manifests renders without --image.',
            ),
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
export type KeyRotationConfig = z.output<typeof KeyRotation>;
