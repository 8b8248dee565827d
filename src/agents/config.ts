import type { ResolvedEnvironment, ResolvedNetwork } from '../config/model.js';
import { AGENT_ROLES, type AgentRole } from '../config/names.js';
import { InputError } from '../errors.js';
import { FUNDED_ON_HOME, FUNDED_ON_REPLICAS } from '../inventory/funding.js';
import type { KeySpec } from '../inventory/types.js';
import type { AgentConfig, HomeAgentConfig, KeyRef } from './types.js';
import { agentVariables, networkVar } from './variables.js';

export interface AgentConfigRequest {
  agent: string;
  /** One home network; undefined: every network of the environment, each as a home. */
  home?: string;
}

/**
 * What one agent of an environment must be told, per home network. Pure: the key names come
 * from the inventory (`keysFor`), the bucket name from `bucketFor`; nothing is looked up in AWS.
 *
 * The networks an agent signs on are the ones the Keymaster funds (DESIGN §6): the signer key of
 * H's agent is used on H by updater, watcher and kathy, and on each replica of H by relayer,
 * processor and watcher.
 */
export function agentConfigFor(
  env: ResolvedEnvironment,
  keys: KeySpec[],
  bucket: { name: string; region: string },
  request: AgentConfigRequest,
): AgentConfig {
  const agent = parseAgent(request.agent);
  const homes = selectHomes(env, request.home);
  checkVariableNames(env);
  return {
    environment: env.name,
    agent,
    region: env.aws.region,
    keyStore: env.keyStore,
    homes: homes.map((home) => homeConfig(env, keys, bucket, agent, home)),
  };
}

export function parseAgent(agent: string): AgentRole {
  if ((AGENT_ROLES as readonly string[]).includes(agent)) return agent as AgentRole;
  throw new InputError(`unknown agent "${agent}": use one of ${AGENT_ROLES.join(', ')}`);
}

function selectHomes(env: ResolvedEnvironment, home: string | undefined): ResolvedNetwork[] {
  if (home === undefined) return env.networks;
  const network = env.networks.find((n) => n.name === home);
  if (!network) {
    throw new InputError(
      `"${home}" is not a network of ${env.name}: use one of ${env.networks.map((n) => n.name).join(', ')}`,
    );
  }
  return [network];
}

/** Two networks whose names differ only in case would write the same `{NET}` variables. */
function checkVariableNames(env: ResolvedEnvironment): void {
  const seen = new Map<string, string>();
  for (const { name } of env.networks) {
    const other = seen.get(networkVar(name));
    if (other) {
      throw new InputError(
        `${env.source}: networks "${other}" and "${name}" both become ${networkVar(name)} in agent variables; rename one`,
      );
    }
    seen.set(networkVar(name), name);
  }
}

function homeConfig(
  env: ResolvedEnvironment,
  keys: KeySpec[],
  bucket: { name: string; region: string },
  agent: AgentRole,
  home: ResolvedNetwork,
): HomeAgentConfig {
  const signerKey = keyRef(env, keys, home.name, agent, 'signer');
  if (!signerKey) {
    throw new InputError(
      `${env.name} has no ${agent}-signer key (keys.names in ${env.source}), so there is no ${agent} to configure`,
    );
  }
  const signsOn = [
    ...(FUNDED_ON_HOME.includes(agent) ? [home.name] : []),
    ...(FUNDED_ON_REPLICAS.includes(agent) ? home.replicas : []),
  ];
  const transactionSigners = signsOn.map((network) => ({ network, key: signerKey }));
  const attestationSigner =
    agent === 'updater' || agent === 'watcher'
      ? keyRef(env, keys, home.name, agent, 'attestation')
      : undefined;
  const s3Proofs =
    agent === 'processor' ? { bucket: bucket.name, region: bucket.region } : undefined;
  const variables = agentVariables({
    environment: env.name,
    agent,
    home: home.name,
    replicas: home.replicas,
    region: env.aws.region,
    transactionSigners,
    ...(attestationSigner ? { attestationSigner } : {}),
    ...(s3Proofs ? { s3Proofs } : {}),
  });
  return {
    home: home.name,
    replicas: [...home.replicas],
    transactionSigners,
    ...(attestationSigner ? { attestationSigner } : {}),
    ...(s3Proofs ? { s3Proofs } : {}),
    env: variables.env,
    fromSecrets: variables.fromSecrets,
  };
}

function keyRef(
  env: ResolvedEnvironment,
  keys: KeySpec[],
  home: string,
  role: AgentRole,
  purpose: 'signer' | 'attestation',
): KeyRef | undefined {
  const key = keys.find((k) => k.network === home && k.role === role && k.purpose === purpose);
  if (!key?.keyName) return undefined;
  if (env.keyStore === 'secrets-manager' && key.secretName) {
    return {
      store: 'secrets-manager',
      keyName: key.keyName,
      secretName: key.secretName,
      region: env.aws.region,
    };
  }
  return { store: 'kms', keyName: key.keyName, alias: key.alias, region: env.aws.region };
}
