import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Wallet, type Provider } from 'ethers';
import { isUnreadableAnswer } from '../aws/key-store-errors.js';
import { awsErrorName, errorMessage, OperationError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { SECP256K1_N } from '../eth/der-signature.js';

/**
 * Development keys: a `0x`-prefixed 32-byte hex private key kept as a Secrets Manager
 * SecretString (DESIGN §2, §3). The key itself never appears in an error: messages say what is
 * wrong with its shape, never what it is, and no error carries the secret as a cause.
 */
export class HexKeySecretError extends OperationError {
  override name = 'HexKeySecretError';
  constructor(
    message: string,
    readonly secretId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;

/** Describes what is wrong with a would-be hex key without quoting any of it; undefined if fine. */
export function hexKeyProblem(value: string): string | undefined {
  if (!value.startsWith('0x')) return 'does not start with 0x';
  if (value.length !== 66) return `has ${value.length - 2} hex digits after 0x, expected 64`;
  if (!HEX_KEY.test(value)) return 'contains characters that are not hex digits';
  const scalar = BigInt(value);
  if (scalar === 0n || scalar >= SECP256K1_N)
    return 'is not a valid secp256k1 private key (out of range)';
  return undefined;
}

/** A Wallet for a hex key; `label` names where the key came from, for the error. */
export function walletFromHexKey(value: string, label: string, provider?: Provider | null): Wallet {
  // A trailing newline is a common artefact of `aws secretsmanager put-secret-value --secret-string file://`.
  const key = value.trim();
  const problem = hexKeyProblem(key);
  if (problem) {
    throw new HexKeySecretError(
      `secret ${label} does not hold a 0x-prefixed 32-byte hex private key: it ${problem}. ` +
        'Store the key as the SecretString, e.g. 0x followed by 64 hex digits.',
      label,
    );
  }
  return new Wallet(key, provider ?? null);
}

/** Reads a development hex key from Secrets Manager and returns an ethers Wallet for it. */
export async function walletFromSecret(
  secrets: SecretsManagerClient,
  secretId: string,
  provider?: Provider | null,
): Promise<Wallet> {
  let secretString: string | undefined;
  try {
    const response = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = response.SecretString;
  } catch (error) {
    const name = awsErrorName(error) ?? 'Error';
    // A parser's message quotes the answer, that is the key: name the kind of failure only.
    if (isUnreadableAnswer(error)) {
      throw new HexKeySecretError(
        `secret ${secretId} is not the expected JSON/hex key: the GetSecretValue answer could not be read (${name}); ` +
          'check that the secret holds a 0x-prefixed 32-byte hex key and run again',
        secretId,
      );
    }
    const detail = errorMessage(error);
    const hint =
      name === 'ResourceNotFoundException'
        ? 'Create the development keys with `nomad-ops keys apply`, or check the secret name and AWS region.'
        : `${name}: ${detail}`;
    throw new HexKeySecretError(
      `could not read the hex key from secret ${secretId} (GetSecretValue): ${hint}`,
      secretId,
    );
  }
  registerSecret(secretString);
  if (secretString === undefined) {
    throw new HexKeySecretError(
      `secret ${secretId} has no SecretString (binary secrets are not supported); store the hex key as a string`,
      secretId,
    );
  }
  return walletFromHexKey(secretString, secretId, provider);
}
