import { awsErrorName, errorMessage, OperationError } from '../errors.js';
import { isDescribed } from './failures.js';

/**
 * A failed key-store call that names the operation and the key, and says what to do. The SDK has
 * already retried throttling and transient errors by the time one of these is made.
 */
export class KeyStoreError extends OperationError {
  constructor(
    message: string,
    readonly operation: string,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A non-idempotent write (CreateKey) failed in a way that leaves open whether AWS carried it out
 * (a 5xx, a timeout, a dropped connection). Never retried blindly: the caller looks for the result
 * (a key by its tags) before anything else.
 */
export class AmbiguousWriteError extends KeyStoreError {}

/** CreateAlias found the alias already there (this run's lost answer, or another run). */
export class AliasExistsError extends KeyStoreError {}

const ADVICE: Record<string, string> = {
  AccessDeniedException:
    'the credentials lack this permission: run with the environment’s apply role (kms-admin)',
  ThrottlingException: 'AWS kept throttling after every retry: run again in a minute',
  LimitExceededException: 'an account quota is reached: ask AWS for a higher limit or retry later',
};

export function keyStoreError(
  error: unknown,
  operation: string,
  resource: string,
  options: { keepCause?: boolean } = {},
): KeyStoreError {
  if (error instanceof KeyStoreError) return error;
  if (isDescribed(error)) {
    // Already names service, operation, resource, attempts and what to do (src/aws/failures.ts).
    return new KeyStoreError(
      (error as Error).message,
      operation,
      resource,
      options.keepCause === false ? undefined : { cause: error },
    );
  }
  const name = awsErrorName(error) ?? 'Error';
  const detail = errorMessage(error);
  const advice = ADVICE[name];
  return new KeyStoreError(
    `${operation} ${resource} failed: ${name}: ${detail}${advice ? ` (${advice})` : ''}`,
    operation,
    resource,
    options.keepCause === false ? undefined : { cause: error },
  );
}

/**
 * An answer the SDK could not parse (V8's JSON.parse message quotes the text around the fault,
 * and in a GetSecretValue answer that text is the key).
 */
export function isUnreadableAnswer(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return awsErrorName(error) === 'SyntaxError' || /Deserialization error/i.test(error.message);
}

/**
 * A failed read of a secret's value. AWS's own errors say what was refused and are kept; an
 * answer that did not parse is named by its kind only, never by the parser's message.
 */
export function secretReadError(
  error: unknown,
  operation: string,
  secretName: string,
): KeyStoreError {
  if (error instanceof KeyStoreError) return error;
  const name = awsErrorName(error) ?? 'Error';
  if (!isUnreadableAnswer(error))
    return keyStoreError(error, operation, secretName, { keepCause: false });
  return new KeyStoreError(
    `secret ${secretName} is not the expected JSON/hex key: the ${operation} answer could not be read (${name}); ` +
      'check that the secret holds a 0x-prefixed 32-byte hex key and run again',
    operation,
    secretName,
  );
}
