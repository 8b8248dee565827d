import { awsErrorName, InputError } from '../errors.js';

/**
 * Missing or expired AWS credentials are bad input, not a failed operation: nothing ran. The
 * SDK's own message ("Could not load credentials from any providers") says neither where it
 * looked nor how to check, so this names the variables or profile it read and the command that
 * shows what they resolve to.
 */

export class CredentialsError extends InputError {}

const EXPIRED = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'TokenRefreshRequired',
]);

const CHECK = 'check them with `aws sts get-caller-identity`; nothing was changed';

type Named = { message?: unknown; cause?: unknown };

function chain(error: unknown): Named[] {
  const out: Named[] = [];
  for (let e = error; typeof e === 'object' && e !== null && out.length < 5;) {
    out.push(e);
    const next = (e as Named).cause;
    e = next === e ? undefined : next;
  }
  return out;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Where the SDK's default chain looked, from the variables it reads. */
export function credentialSources(vars: NodeJS.ProcessEnv): string {
  if (vars.AWS_ACCESS_KEY_ID || vars.AWS_SECRET_ACCESS_KEY) {
    return 'the variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN';
  }
  if (vars.AWS_PROFILE) return `the profile "${vars.AWS_PROFILE}" (AWS_PROFILE)`;
  return (
    'the variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (unset: the profile ' +
    '"default" of ~/.aws/config and ~/.aws/credentials), AWS_WEB_IDENTITY_TOKEN_FILE and the ' +
    'instance or container role'
  );
}

/** The one-line input error for a credentials failure, or undefined for any other error. */
export function credentialsError(
  error: unknown,
  vars: NodeJS.ProcessEnv,
): CredentialsError | undefined {
  const errors = chain(error);
  const sources = credentialSources(vars);
  if (
    errors.some(
      (e) =>
        awsErrorName(e) === 'CredentialsProviderError' ||
        /could not load credentials/i.test(str(e.message)),
    )
  ) {
    return new CredentialsError(`no AWS credentials found in ${sources}: ${CHECK}`, {
      cause: error,
    });
  }
  const expired = errors.find(
    (e) =>
      EXPIRED.has(awsErrorName(e) ?? '') ||
      /(security token|token).*(expired|invalid)/i.test(str(e.message)) ||
      awsErrorName(e) === 'TokenProviderError',
  );
  if (expired) {
    return new CredentialsError(
      `the AWS credentials from ${sources} are expired or invalid (${awsErrorName(expired) ?? 'Error'}): ` +
        `renew them (aws sso login, or fresh keys), then ${CHECK}`,
      { cause: error },
    );
  }
  return undefined;
}
