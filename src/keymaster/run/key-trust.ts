import type { KeyAccess, KmsPublicKeyRead } from '../../aws/kms-types.js';
import { OperationError } from '../../errors.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../inventory/tags.js';
import type { KeySpec } from '../../inventory/types.js';
import { keyAccessProblem } from '../../plan/keys/trust.js';

/**
 * The Keymaster's check of the keys it pays from and to (issue 24 item 9). Before it signs, the
 * bank's key; before it funds a wallet, the wallet's key: the alias must point at a key the
 * toolkit made for that alias in this environment (its tags), whose key policy and grants give
 * nothing beyond the account's delegation to IAM (`keyAccessProblem`, the key plan's check). A
 * key that fails is reported and neither signs nor is paid: kms-admin or anyone who could make
 * or re-point a key (its own key policy letting it sign) gains nothing from the Keymaster.
 */

/** The KMS reads the check needs (`KmsKeyStore`). */
export interface KeyTrustReads {
  readPublicKey(keyIdOrAlias: string): Promise<KmsPublicKeyRead>;
  readKeyAccess(keyId: string): Promise<KeyAccess>;
}

/** A key that failed the check: the run reports it (`untrusted-key`) and leaves it out. */
export class UntrustedKeyError extends OperationError {}

export interface TrustedKey {
  keyId: string;
  /** EIP-55 address of the secp256k1 key. */
  address: string;
}

/**
 * The key `spec.alias` points at, checked; throws `UntrustedKeyError` naming every problem and
 * what to do. Read it again before every use: an alias can be moved between runs.
 */
export async function trustedKey(
  reads: KeyTrustReads,
  accountId: string,
  spec: Pick<KeySpec, 'alias' | 'environment'>,
): Promise<TrustedKey> {
  const key = await reads.readPublicKey(spec.alias);
  if (key.state === 'missing') {
    throw new OperationError(`${spec.alias} does not exist; run nomad-ops keys apply`);
  }
  if (key.state === 'refused') {
    throw new UntrustedKeyError(`${spec.alias} points at a key KMS refuses to use (${key.error})`);
  }
  if (!key.address) {
    throw new UntrustedKeyError(
      `${spec.alias} points at key ${key.keyId}, which is not a secp256k1 signing key`,
    );
  }
  const access = await reads.readKeyAccess(key.keyId);
  const problem = notToolkitKey(spec, key.keyId, access.tags);
  const trust = keyAccessProblem(spec, key.keyId, accountId, access);
  if (problem || trust) {
    throw new UntrustedKeyError(
      [problem, trust].filter(Boolean).join('; ') +
        ': the Keymaster neither signs with it nor pays it',
    );
  }
  return { keyId: key.keyId, address: key.address };
}

/** The tags that make a key the toolkit's for this alias and environment, or what is wrong. */
function notToolkitKey(
  spec: Pick<KeySpec, 'alias' | 'environment'>,
  keyId: string,
  tags: Record<string, string>,
): string | undefined {
  const wrong = [
    [MANAGED_BY_TAG, MANAGED_BY_VALUE],
    [TAG_KEYS.alias, spec.alias],
    [TAG_KEYS.environment, spec.environment],
  ].filter(([k, v]) => tags[k!] !== v);
  if (wrong.length === 0) return undefined;
  return `${spec.alias} points at key ${keyId}, which is not a key the toolkit made for it (tags ${wrong
    .map(([k, v]) => `${k}=${tags[k!] ?? '(none)'}, not ${v}`)
    .join('; ')}); point the alias back at the toolkit's key, or rotate it through the file`;
}

/**
 * The address resolver the Keymaster funds with: for an alias of a KMS key, the trusted key's
 * address; otherwise `resolve` (development's secrets, which carry no key policy).
 */
export function trustedAddresses(
  reads: KeyTrustReads | undefined,
  accountId: string,
  keys: readonly KeySpec[],
  resolve: (alias: string) => Promise<string>,
): (alias: string) => Promise<string> {
  const byAlias = new Map(keys.map((k) => [k.alias, k]));
  return async (alias) => {
    const spec = byAlias.get(alias);
    if (!reads || !spec || spec.secretName) return resolve(alias);
    return (await trustedKey(reads, accountId, spec)).address;
  };
}
