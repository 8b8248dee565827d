import { UpdateAliasCommand, type KMSClient } from '@aws-sdk/client-kms';
import { keyStoreError } from './key-store-errors.js';

/**
 * Points the bank alias at another key (KMS UpdateAlias): the last step of a bank rotation, made
 * by the Keymaster once the old bank holds nothing more to move. Idempotent: KMS accepts pointing
 * an alias at the key it already points at, so a run that lost the answer repeats it harmlessly.
 * IAM lets the Keymaster role do it only onto a key staged for the bank alias of its environment.
 */
export async function moveBankAlias(kms: KMSClient, alias: string, keyId: string): Promise<void> {
  try {
    await kms.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  } catch (error) {
    throw keyStoreError(error, 'KMS UpdateAlias', `${alias} → ${keyId}`);
  }
}
