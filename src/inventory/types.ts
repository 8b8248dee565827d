import type { AgentRole, EnvironmentName, KeyName } from '../config/schema.js';

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
