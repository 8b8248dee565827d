import { isDescribed } from '../aws/failures.js';
import { awsErrorName, errorMessage, InputError, OperationError } from '../errors.js';

/** The KMS operations the signer performs, as named in errors. */
export type KmsOperation = 'GetPublicKey' | 'Sign';

/** A KMS signing failure that names the key and the operation; the SDK error is `cause`. */
export class KmsSignerError extends OperationError {
  override name = 'KmsSignerError';
  constructor(
    message: string,
    readonly keyId: string,
    readonly operation: KmsOperation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A transaction whose `from` is not the KMS key's address: the caller asked this signer to sign
 * for someone else. Nothing was sent to KMS Sign.
 */
export class SignerMismatchError extends InputError {
  override name = 'SignerMismatchError';
  constructor(
    readonly from: string,
    readonly keyId: string,
    readonly address: string,
  ) {
    super(
      `transaction from ${from} does not match KMS key ${keyId} (address ${address}): ` +
        `set from to ${address} or leave it out, or sign with the key that owns ${from}`,
    );
  }
}

/** `alias/name` or `arn:aws:kms:region:account:alias/name`. */
export function isAliasReference(keyId: string): boolean {
  return keyId.startsWith('alias/') || /^arn:aws[\w-]*:kms:[^:]*:\d*:alias\//.test(keyId);
}

/**
 * Wraps an error from a KMS call. The SDK has already retried throttling and transient errors by
 * the time one arrives here, so this only explains it.
 */
export function kmsSignerError(error: unknown, keyId: string, operation: KmsOperation) {
  if (error instanceof KmsSignerError) return error;
  const name = awsErrorName(error) ?? 'Error';
  const detail = errorMessage(error);
  if (name === 'NotFoundException') {
    const message = isAliasReference(keyId)
      ? `KMS key alias ${keyId} does not exist in this account and region (${operation}). ` +
        'Create the environment’s keys with `nomad-ops keys apply`, or check the alias and AWS region.'
      : `KMS key ${keyId} was not found (${operation}): check the key id and AWS region.`;
    return new KmsSignerError(message, keyId, operation, { cause: error });
  }
  if (isDescribed(error)) {
    // Gave up after the retries: the message already names operation, key, attempts and advice.
    return new KmsSignerError(detail, keyId, operation, { cause: error });
  }
  return new KmsSignerError(
    `KMS ${operation} with key ${keyId} failed: ${name}: ${detail}`,
    keyId,
    operation,
    { cause: error },
  );
}
