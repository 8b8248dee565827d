import type { AgentRole, EnvironmentName, KeyName } from '../config/names.js';

/** Where an agent finds one of its keys. Never a key value: a KMS alias or a secret's name. */
export type KeyRef =
  | { store: 'kms'; keyName: KeyName; alias: string; region: string }
  | { store: 'secrets-manager'; keyName: KeyName; secretName: string; region: string };

/** The key an agent signs transactions with on one network. */
export interface TransactionSigner {
  network: string;
  key: KeyRef;
}

/**
 * A variable the agent needs whose value is a development hex key: the toolkit names the secret
 * that holds it and never reads it. The deployment copies the secret's value into the variable.
 */
export interface SecretVariable {
  variable: string;
  secretName: string;
  region: string;
}

/** One agent instance: Nomad runs one per home network. */
export interface HomeAgentConfig {
  home: string;
  /** The home's replicas, from the environment file. */
  replicas: string[];
  /** One per network the agent sends transactions on (the Keymaster funds exactly these). */
  transactionSigners: TransactionSigner[];
  /** Updater and watcher only. */
  attestationSigner?: KeyRef;
  /** Processor only. */
  s3Proofs?: { bucket: string; region: string };
  /** Both generations of variables, name → value, sorted by name. */
  env: Record<string, string>;
  /** Development only: variables to fill from Secrets Manager, sorted by variable. */
  fromSecrets: SecretVariable[];
}

export interface AgentConfig {
  environment: EnvironmentName;
  agent: AgentRole;
  /** The environment's one region for keys and the proofs bucket. */
  region: string;
  keyStore: 'kms' | 'secrets-manager';
  /** Environment file order. */
  homes: HomeAgentConfig[];
}
