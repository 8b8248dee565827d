import type { AgentRole } from '../config/names.js';
import type { KeyRef, SecretVariable, TransactionSigner } from './types.js';

/**
 * `{NET}` in variable names: the network name upper-cased, as Nomad's deploy scripts did
 * (`network.toUpperCase()`): `milkomedaC1` → `MILKOMEDAC1`.
 */
export const networkVar = (network: string) => network.toUpperCase();

/** The old rust agents name attestation settings after the agent: `OPT_BASE_UPDATER_*`. */
const OLD_ATTESTATION_PREFIX: Partial<Record<AgentRole, string>> = {
  updater: 'OPT_BASE_UPDATER',
  watcher: 'OPT_BASE_WATCHER',
};

export interface AgentVariables {
  env: Record<string, string>;
  fromSecrets: SecretVariable[];
}

export interface VariableInputs {
  environment: string;
  agent: AgentRole;
  home: string;
  replicas: string[];
  region: string;
  transactionSigners: TransactionSigner[];
  attestationSigner?: KeyRef;
  s3Proofs?: { bucket: string; region: string };
}

/**
 * Both generations of settings for one agent instance.
 *
 * Old (`OPT_BASE_*`, rust agents before the settings rewrite): per network
 * `OPT_BASE_SIGNERS_{NET}_TYPE=aws`, `_ID`, `_REGION`; attestation `OPT_BASE_{AGENT}_TYPE/ID/REGION`;
 * processor `OPT_PROCESSOR_S3_BUCKET/REGION`.
 * New: `{NET}_TXSIGNER_ID`, `ATTESTATION_SIGNER_ID`, `AWS_REGION`, `PROCESSOR_S3_BUCKET/REGION`,
 * plus `RUN_ENV`, `AGENT_HOME_NAME` and `AGENT_REPLICA_{i}_NAME` so the instance knows its home.
 *
 * A development hex key becomes `TYPE=hexKey` and a `SecretVariable` for `_KEY`
 * (`{NET}_TXSIGNER_KEY`, `ATTESTATION_SIGNER_KEY` in the new generation): the value stays in
 * Secrets Manager.
 */
export function agentVariables(input: VariableInputs): AgentVariables {
  const env: Record<string, string> = {};
  const fromSecrets: SecretVariable[] = [];

  const put = (oldPrefix: string, newIdVar: string, newKeyVar: string, key: KeyRef) => {
    if (key.store === 'kms') {
      env[`${oldPrefix}_TYPE`] = 'aws';
      env[`${oldPrefix}_ID`] = key.alias;
      env[`${oldPrefix}_REGION`] = key.region;
      env[newIdVar] = key.alias;
      return;
    }
    env[`${oldPrefix}_TYPE`] = 'hexKey';
    for (const variable of [`${oldPrefix}_KEY`, newKeyVar]) {
      fromSecrets.push({ variable, secretName: key.secretName, region: key.region });
    }
  };

  for (const signer of input.transactionSigners) {
    const net = networkVar(signer.network);
    put(`OPT_BASE_SIGNERS_${net}`, `${net}_TXSIGNER_ID`, `${net}_TXSIGNER_KEY`, signer.key);
  }
  const oldAttestation = OLD_ATTESTATION_PREFIX[input.agent];
  if (input.attestationSigner && oldAttestation) {
    put(oldAttestation, 'ATTESTATION_SIGNER_ID', 'ATTESTATION_SIGNER_KEY', input.attestationSigner);
  }
  if (input.s3Proofs) {
    env.OPT_PROCESSOR_S3_BUCKET = input.s3Proofs.bucket;
    env.OPT_PROCESSOR_S3_REGION = input.s3Proofs.region;
    env.PROCESSOR_S3_BUCKET = input.s3Proofs.bucket;
    env.PROCESSOR_S3_REGION = input.s3Proofs.region;
  }
  env.AWS_REGION = input.region;
  env.RUN_ENV = input.environment;
  env.AGENT_HOME_NAME = input.home;
  input.replicas.forEach((replica, i) => {
    env[`AGENT_REPLICA_${i}_NAME`] = replica;
  });

  return {
    env: Object.fromEntries(Object.entries(env).sort(([a], [b]) => compare(a, b))),
    fromSecrets: fromSecrets.sort((a, b) => compare(a.variable, b.variable)),
  };
}

/** Plain code-point order, so the output is the same on every machine and locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
