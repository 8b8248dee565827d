import type { AgentRole, EnvironmentName, KeyName } from '../config/names.js';

/** How a key is used: signs transactions (needs gas), signs attestations (off-chain), or funds. */
export type KeyPurpose = 'signer' | 'attestation' | 'bank';

/** One key an environment needs: a KMS key (alias) or, in development, a hex key in a secret. */
export interface KeySpec {
  environment: EnvironmentName;
  /** Home network of the agent; undefined for the bank. */
  network?: string;
  /** undefined for the bank. */
  keyName?: KeyName;
  role?: AgentRole;
  purpose: KeyPurpose;
  /** `alias/{env}-{network}-{keyName}` or `alias/{env}-bank`. */
  alias: string;
  /** `{env} {network} {keyName}` or `{env} bank`. */
  description: string;
  /** Tags put on the KMS key (and on the secret in development). */
  tags: Record<string, string>;
  /** Secrets Manager name holding the hex key (development only). */
  secretName?: string;
}

/** One wallet to keep funded on one chain (a row of the funding matrix of DESIGN §6). */
export interface FundingAccount {
  /** Network the wallet is funded on. */
  network: string;
  chainId: number;
  /** Home network of the agent whose key this is (or the network for extra accounts). */
  home: string;
  /** Agent role, or 'extra' for listed extra addresses. */
  role: AgentRole | 'extra';
  /** The key alias whose address is funded; undefined for extra accounts. */
  alias?: string;
  /** Known up front for extra accounts; resolved from the key store for agent keys. */
  address?: string;
  label: string;
  lower: bigint;
  target: bigint;
}

/** IAM / S3 policy language (the subset the toolkit renders). Type aliases, so they are
 *  assignable to the wider document types of `src/plan/policy-document.ts`. */
export type PolicyStatement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

export type PolicyDocument = {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
};

/**
 * Resources marked `bootstrap` are created once by a person with administrator credentials
 * (`nomad-ops apply` run by hand): the GitHub OIDC provider, the workflow roles and the policies
 * attached to them. The apply role has no write permission on them, so no workflow can widen its
 * own rights or another workflow's.
 */
export interface BootstrapMark {
  bootstrap?: true;
}

/** ARN of the permissions boundary a principal carries: its environment's `{env}-boundary`. */
export interface BoundaryMark {
  permissionsBoundary?: string;
}

/** The account-wide kms-admin user carries no environment's boundary. */
export interface IamUserSpec extends BootstrapMark, BoundaryMark {
  name: string;
  tags: Record<string, string>;
}

/** IAM groups cannot carry tags. */
export interface IamGroupSpec extends BootstrapMark {
  name: string;
}

export interface GroupMembership extends BootstrapMark {
  user: string;
  group: string;
}

export interface ManagedPolicySpec extends BootstrapMark {
  name: string;
  arn: string;
  /** IAM cannot change a policy's description after creation. */
  description: string;
  document: PolicyDocument;
  tags: Record<string, string>;
}

export interface PolicyAttachment extends BootstrapMark {
  policyName: string;
  policyArn: string;
  target: { kind: 'group' | 'role'; name: string };
}

export interface OidcProviderSpec extends BootstrapMark {
  /** `https://token.actions.githubusercontent.com` */
  url: string;
  arn: string;
  /** Audiences (`sts.amazonaws.com`). */
  clientIds: string[];
  /** GitHub's published thumbprints; IAM no longer checks them for GitHub but older APIs want one. */
  thumbprints: string[];
  tags: Record<string, string>;
}

export type GithubRoleKind = 'plan' | 'apply' | 'keymaster';

/** An IAM role the toolkit creates (a bootstrap resource: its trust policy names who assumes it). */
interface AssumedRoleSpec extends BootstrapMark, BoundaryMark {
  name: string;
  arn: string;
  description: string;
  /** What the trust policy accepts, for messages. */
  subject: string;
  trustPolicy: PolicyDocument;
  maxSessionDurationSeconds: number;
  tags: Record<string, string>;
}

export interface GithubRoleSpec extends AssumedRoleSpec {
  kind: GithubRoleKind;
  /** The one `token.actions.githubusercontent.com:sub` value the trust policy accepts. */
  subject: string;
}

export interface GithubOidcSpec {
  repository: string;
  /** The `sub` prefix every role trusts, and its format (legacy names or immutable ids). */
  subjectPrefix: string;
  subjectFormat: 'legacy' | 'immutable';
  provider: OidcProviderSpec;
  roles: GithubRoleSpec[];
}

/**
 * The role the toolkit creates for a contracted operator, assumed from the operator's own
 * account with its external id. A bootstrap resource: a trust policy can name anyone, so only an
 * administrator's run writes it; its permission policy (which keys) is an ordinary policy.
 */
export interface OperatorRoleSpec extends AssumedRoleSpec {
  operator: string;
  /** What the trust policy accepts, for messages: the principal and that an external id is required. */
  subject: string;
}

/** A party that can sign: a contracted operator, or the core team's signer group. */
export interface KeyParty {
  /** The operator's name, or `core team`. */
  name: string;
  /** The principal whose attached policies grant the access (a user operator's group). */
  principal: { kind: 'role' | 'group'; name: string };
  /** The aliases it is meant to sign with. */
  keys: string[];
  uploadsProofs: boolean;
}

export interface KeyAccessSpec {
  region: string;
  bucket: string;
  /** The environment's networks: proofs are objects `{home}_{leafIndex}` (uploads by home). */
  networks: string[];
  /** Every agent key alias of the environment. */
  aliases: string[];
  parties: KeyParty[];
}

export interface IamInventory {
  users: IamUserSpec[];
  groups: IamGroupSpec[];
  memberships: GroupMembership[];
  policies: ManagedPolicySpec[];
  attachments: PolicyAttachment[];
  /** The contracted operators' roles (operators authenticating as users have a user and group). */
  operatorRoles?: OperatorRoleSpec[];
  /**
   * Who is meant to sign with which key: each operator, then the core team, with every agent
   * key alias of the environment (to read who can sign now from the policies IAM holds). Only
   * when the file lists operators or coreTeam.
   */
  keyAccess?: KeyAccessSpec;
  /** Absent when no repository is known; `githubOmitted` then says why. */
  github?: GithubOidcSpec;
  githubOmitted?: string;
}

export interface CorsRule {
  AllowedMethods: Array<'GET' | 'HEAD'>;
  AllowedOrigins: string[];
  AllowedHeaders: string[];
  MaxAgeSeconds: number;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface BucketSpec {
  name: string;
  arn: string;
  region: string;
  policy: PolicyDocument;
  /** Empty: no CORS configuration at all (the state bucket). */
  cors: CorsRule[];
  publicAccessBlock: PublicAccessBlock;
  tags: Record<string, string>;
  /** The Keymaster's state bucket: versioned, encrypted by default (SSE-S3). */
  versioning?: boolean;
  encryption?: 'AES256';
}

/** An agent wallet the Keymaster would fund but cannot: no threshold is configured for it. */
export interface UnfundedAccount {
  network: string;
  home: string;
  role: AgentRole;
  alias: string;
  reason: string;
}

/** Everything an environment needs, as data. */
export interface Inventory {
  environment: EnvironmentName;
  accountId: string;
  region: string;
  keyStore: 'secrets-manager' | 'kms';
  keys: KeySpec[];
  iam: IamInventory;
  bucket: BucketSpec;
  funding: FundingAccount[];
  unfunded: UnfundedAccount[];
}
