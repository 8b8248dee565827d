import type { AgentRole, KeyName } from '../config/names.js';
import type { ResolvedEnvironment } from '../config/model.js';
import {
  checkKmsAlias,
  checkSecretName,
  checkTags,
  aliasFor,
  bankAlias,
  bankDescription,
  bankSecretName,
  keyDescription,
  secretNameFor,
} from './names.js';
import { baseTags, TAG_KEYS } from './tags.js';
import type { KeyPurpose, KeySpec } from './types.js';

/** `processor-signer` → role `processor`, purpose `signer`. */
export function parseKeyName(keyName: KeyName): {
  role: AgentRole;
  purpose: 'signer' | 'attestation';
} {
  const dash = keyName.lastIndexOf('-');
  return {
    role: keyName.slice(0, dash) as AgentRole,
    purpose: keyName.slice(dash + 1) as 'signer' | 'attestation',
  };
}

/**
 * Every key the environment needs, in a stable order: networks in file order, key names in
 * file order within each network, then the bank. Development keys also get their secret name.
 */
export function keysFor(env: ResolvedEnvironment): KeySpec[] {
  const withSecrets = env.keyStore === 'secrets-manager';
  const keys: KeySpec[] = [];
  for (const network of env.networks) {
    for (const keyName of env.keyNames) {
      const { role, purpose } = parseKeyName(keyName);
      const alias = checkKmsAlias(aliasFor(env.name, network.name, keyName));
      keys.push({
        environment: env.name,
        network: network.name,
        keyName,
        role,
        purpose,
        alias,
        description: keyDescription(env.name, network.name, keyName),
        tags: checkTags(alias, {
          ...baseTags(env.name),
          [TAG_KEYS.network]: network.name,
          [TAG_KEYS.keyName]: keyName,
          [TAG_KEYS.role]: role,
          [TAG_KEYS.purpose]: purpose,
          [TAG_KEYS.alias]: alias,
        }),
        ...(withSecrets
          ? { secretName: checkSecretName(secretNameFor(env.name, network.name, keyName)) }
          : {}),
      });
    }
  }
  const alias = checkKmsAlias(bankAlias(env.name));
  const purpose: KeyPurpose = 'bank';
  keys.push({
    environment: env.name,
    purpose,
    alias,
    description: bankDescription(env.name),
    tags: checkTags(alias, {
      ...baseTags(env.name),
      [TAG_KEYS.purpose]: purpose,
      [TAG_KEYS.alias]: alias,
    }),
    ...(withSecrets ? { secretName: checkSecretName(bankSecretName(env.name)) } : {}),
  });
  return keys;
}

/** Agent roles that have at least one key (signer or attestation) in the environment. */
export function rolesWithKeys(keys: KeySpec[]): AgentRole[] {
  const roles: AgentRole[] = [];
  for (const key of keys) {
    if (key.role && !roles.includes(key.role)) roles.push(key.role);
  }
  return roles;
}
