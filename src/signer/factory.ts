import type { AbstractSigner, Provider } from 'ethers';
import type { AwsClients } from '../aws/clients.js';
import { walletFromSecret } from './hex-signer.js';
import { KmsSigner } from './kms-signer.js';

/** Where a signing key lives: a KMS key (staging, production) or a hex key in a secret (development). */
export type SignerSource = { kind: 'kms'; keyId: string } | { kind: 'secret'; secretId: string };

/**
 * One way to get a signer whatever holds the key, so callers (the Keymaster's bank, operator
 * scripts) never branch on it. A KMS signer is lazy: its first use fetches the public key.
 */
export async function createSigner(
  source: SignerSource,
  clients: Pick<AwsClients, 'kms' | 'secrets'>,
  provider?: Provider | null,
): Promise<AbstractSigner> {
  switch (source.kind) {
    case 'kms':
      return new KmsSigner({ kms: clients.kms, keyId: source.keyId, provider: provider ?? null });
    case 'secret':
      return walletFromSecret(clients.secrets, source.secretId, provider);
  }
}
