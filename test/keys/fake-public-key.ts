import type { KmsKeyInfo, KmsPublicKeyRead } from '../../src/aws/kms-types.js';

/**
 * GetPublicKey as KMS answers it, for the in-memory key stores of the key tests: `missing` for no
 * key, refused for a disabled key or one in another state, else the key with `address` for a
 * secp256k1 key.
 */
export function publicKeyRead(key: KmsKeyInfo | undefined, address: string): KmsPublicKeyRead {
  if (!key) return { state: 'missing' };
  if (key.keyState === 'Disabled') return { state: 'refused', error: 'DisabledException' };
  if (key.keyState !== 'Enabled') return { state: 'refused', error: 'KMSInvalidStateException' };
  return {
    state: 'usable',
    keyId: key.keyId,
    arn: key.arn,
    keySpec: key.keySpec,
    keyUsage: key.keyUsage,
    ...(key.keySpec === 'ECC_SECG_P256K1' ? { address } : {}),
  };
}
