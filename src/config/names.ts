/** Nomad's fixed vocabulary: environment names, agent roles and key names. */

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
  return KEY_NAMES.filter((name) => env !== 'production' || name !== 'kathy-signer');
}
