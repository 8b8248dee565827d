import type { AgentRole } from '../config/names.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InventoryError } from './errors.js';
import { keysFor, rolesWithKeys } from './keys.js';
import {
  bankAlias,
  keymasterPolicyName,
  secretArnPattern,
  secretPrefix,
  signerPolicyName,
} from './names.js';
import type { KeySpec } from './types.js';

/**
 * IAM `StringLike` (and ARN) matching: `*` any run of characters (also `/` and `-`), `?` exactly
 * one, everything else literal and case-sensitive.
 */
export function matchesStringLike(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * The `kms:ResourceAliases` pattern of a role's signer policy. Why it cannot reach a key of
 * another role or environment: aliases are `alias/{env}-{network}-{role}-{signer|attestation}`,
 * environment and network names have no `-` (schema), and no environment name is another's
 * prefix followed by `-`. So `-{role}-` occurs only as the role segment. `checkKeyGrants` checks
 * this against the actual aliases instead of trusting the argument.
 */
export const signerAliasPattern = (env: ResolvedEnvironment, role: AgentRole) =>
  `alias/${env.name}-*-${role}-*`;

/** Every alias of an environment (used to read public keys, never to sign). */
export const environmentAliasPattern = (env: ResolvedEnvironment) => `alias/${env.name}-*`;

/** Development: the secret ARN pattern of one key name on any network of the environment. */
export const signerSecretPattern = (env: ResolvedEnvironment, keyName: string) =>
  secretArnPattern(env.aws.region, env.aws.accountId, `${secretPrefix(env.name)}*/${keyName}/key`);

export const bankSecretPattern = (env: ResolvedEnvironment, secretName: string) =>
  secretArnPattern(env.aws.region, env.aws.accountId, secretName);

/** A grant of key use by pattern, and which keys it is meant to reach. */
export interface KeyGrant {
  policy: string;
  /** The agent role of a signer grant; undefined for the Keymaster's bank grant. */
  role?: AgentRole;
  /** `alias`: patterns over `kms:ResourceAliases`; `secret`: patterns over secret ARNs. */
  kind: 'alias' | 'secret';
  patterns: string[];
  intended: (key: KeySpec) => boolean;
}

/** The grants behind the signer and Keymaster policies of one environment. */
export function keyGrantsFor(env: ResolvedEnvironment, keys: KeySpec[]): KeyGrant[] {
  const grants: KeyGrant[] = [];
  const ownedBy = (key: KeySpec) => key.environment === env.name;
  for (const role of rolesWithKeys(keys)) {
    const intended = (key: KeySpec) => ownedBy(key) && key.role === role;
    if (env.keyStore === 'kms') {
      grants.push({
        policy: signerPolicyName(env.name, role),
        role,
        kind: 'alias',
        patterns: [signerAliasPattern(env, role)],
        intended,
      });
    } else {
      const keyNames = [
        ...new Set(keys.flatMap((k) => (k.role === role && k.keyName ? [k.keyName] : []))),
      ];
      grants.push({
        policy: signerPolicyName(env.name, role),
        role,
        kind: 'secret',
        patterns: keyNames.map((name) => signerSecretPattern(env, name)),
        intended,
      });
    }
  }
  const isBank = (key: KeySpec) => ownedBy(key) && key.purpose === 'bank';
  if (env.keyStore === 'kms') {
    grants.push({
      policy: keymasterPolicyName(env.name),
      kind: 'alias',
      patterns: [bankAlias(env.name)],
      intended: isBank,
    });
  } else {
    const bank = keys.find((k) => k.purpose === 'bank');
    grants.push({
      policy: keymasterPolicyName(env.name),
      kind: 'secret',
      patterns: bank?.secretName ? [bankSecretPattern(env, bank.secretName)] : [],
      intended: isBank,
    });
  }
  return grants;
}

/** A plausible real ARN of a key's secret (Secrets Manager appends `-` and six characters). */
export function sampleSecretArn(env: ResolvedEnvironment, secretName: string): string {
  return secretArnPattern(env.aws.region, env.aws.accountId, secretName).replace(
    '??????',
    'Ab3dE6',
  );
}

/**
 * Each grant against every key of every given environment: it must reach all keys it is meant
 * for and nothing else. Returns one line per violation.
 */
export function keyGrantViolations(
  grants: KeyGrant[],
  universe: Array<{ env: ResolvedEnvironment; keys: KeySpec[] }>,
): string[] {
  const violations: string[] = [];
  for (const grant of grants) {
    for (const { env, keys } of universe) {
      for (const key of keys) {
        const target =
          grant.kind === 'alias'
            ? key.alias
            : key.secretName
              ? sampleSecretArn(env, key.secretName)
              : undefined;
        if (target === undefined) continue;
        const reached = grant.patterns.some((p) => matchesStringLike(p, target));
        const meant = grant.intended(key);
        if (reached && !meant) {
          violations.push(`${grant.policy}: ${grant.patterns.join(', ')} also reaches ${target}`);
        } else if (!reached && meant) {
          violations.push(`${grant.policy}: ${grant.patterns.join(', ')} misses ${target}`);
        }
      }
    }
  }
  return violations;
}

/**
 * Proves, for a set of environments (normally all three files), that no signer or Keymaster
 * grant reaches a key of another role or environment, and that each reaches all of its own.
 */
export function assertKeyGrantsExclusive(envs: ResolvedEnvironment[]): void {
  const universe = envs.map((env) => ({ env, keys: keysFor(env) }));
  const grants = universe.flatMap(({ env, keys }) => keyGrantsFor(env, keys));
  const violations = keyGrantViolations(grants, universe);
  if (violations.length > 0) {
    throw new InventoryError(
      `Key access patterns are not exclusive; a policy would reach the wrong keys:\n  ${violations.join('\n  ')}\nRename the network or environment so that its name does not overlap another's.`,
    );
  }
}
