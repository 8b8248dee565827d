/**
 * How the toolkit reads a failed AWS call, for every service: whether the request may have been
 * carried out (`ambiguous`), was refused before anything happened (`throttled`), or failed for a
 * reason a retry does not change (`rejected`). And the two client middlewares that make giving up
 * say what failed: a non-JSON/XML 5xx body (a load balancer's "Service Unavailable") is turned
 * into an ordinary retryable server error, and an error that exhausted the retries names the
 * service, operation, resource, attempts and what to do.
 */

import { awsErrorName } from '../errors.js';
import type { DeserializeMiddleware, InitializeMiddleware, MiddlewareStack } from '@smithy/types';

export type FailureKind = 'throttled' | 'ambiguous' | 'rejected';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** Socket-level failures: the request may or may not have reached AWS and been carried out. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

interface AwsLikeError {
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
  cause?: unknown;
}

function asAws(error: unknown): AwsLikeError {
  return typeof error === 'object' && error !== null ? error : {};
}

export function httpStatusOf(error: unknown): number | undefined {
  return asAws(error).$metadata?.httpStatusCode;
}

/**
 * Throttled: AWS refused the request without doing it (safe to send again). Ambiguous: a 5xx, a
 * timeout or a dropped connection, after which AWS may or may not have done it (a create must be
 * looked up before it is sent again). Anything else: rejected.
 */
export function classifyFailure(error: unknown): FailureKind {
  const e = asAws(error);
  const name = awsErrorName(error) ?? '';
  if (THROTTLING.has(name) || e.$metadata?.httpStatusCode === 429) return 'throttled';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'ambiguous';
  if (TIMEOUT_NAMES.has(name)) return 'ambiguous';
  if (e.code && NETWORK_CODES.has(e.code)) return 'ambiguous';
  if (e.cause !== undefined && e.cause !== error) {
    const inner = classifyFailure(e.cause);
    if (inner !== 'rejected') return inner;
  }
  return 'rejected';
}

/** The resource a command is about, from its input's usual identifier fields. */
export function resourceOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const fields = [
    'AliasName',
    'KeyId',
    'TargetKeyId',
    'SecretId',
    'Name',
    'UserName',
    'GroupName',
    'RoleName',
    'PolicyArn',
    'PolicyName',
    'OpenIDConnectProviderArn',
    'Bucket',
    'Key',
  ];
  const record = input as Record<string, unknown>;
  const found = fields
    .filter((f) => typeof record[f] === 'string' && record[f] !== '')
    .map((f) => `${f} ${String(record[f])}`);
  return found.length ? found.join(', ') : undefined;
}

const ADVICE: Record<Exclude<FailureKind, 'rejected'>, string> = {
  throttled:
    'AWS kept throttling after every retry: run again in a few minutes (another job may be ' +
    'using the same quota); the run converges from wherever it stopped',
  ambiguous:
    'AWS did not answer usably after every retry (server error, timeout or dropped ' +
    'connection): run again when the service is healthy; the run converges from wherever it stopped',
};

/** Marks an error whose message already names service, operation, resource and attempts. */
export const DESCRIBED = Symbol.for('nomad-agent-ops.described-failure');

export function isDescribed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && DESCRIBED in error;
}

/** `KMS CreateKey (KeyId x) gave up after 8 attempts: ThrottlingException: Rate exceeded (…)`. */
export function describeGivingUp(
  error: unknown,
  service: string,
  operation: string,
  input: unknown,
): string {
  const e = asAws(error);
  const kind = classifyFailure(error);
  const resource = resourceOf(input);
  const attempts = e.$metadata?.attempts ?? 1;
  const status = e.$metadata?.httpStatusCode;
  const detail = (e.message ?? '').split('\n')[0] || '(no message)';
  const advice = kind === 'rejected' ? undefined : ADVICE[kind];
  return (
    `${service} ${operation}${resource ? ` (${resource})` : ''} failed after ` +
    `${attempts} attempt${attempts === 1 ? '' : 's'}: ${awsErrorName(error) ?? 'Error'}` +
    `${status ? ` (HTTP ${status})` : ''}: ${detail}${advice ? `; ${advice}` : ''}`
  );
}

/**
 * A 5xx whose body is not the protocol's JSON or XML (a proxy's or load balancer's text page) makes
 * the SDK's parser throw a SyntaxError (or an unnamed error) and nothing retries it. This turns it
 * into a server error with the HTTP status, so the standard retry treats it like any other 5xx.
 */
function unreadableServerErrorMiddleware<
  Input extends object,
  Output extends object,
>(): DeserializeMiddleware<Input, Output> {
  return (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      const response = (error as { $response?: { statusCode?: number } } | undefined)?.$response;
      const status = response?.statusCode ?? httpStatusOf(error);
      const name = awsErrorName(error);
      const unreadable = name === 'SyntaxError' || name === 'Error' || name === 'UnknownError';
      if (status !== undefined && status >= 500 && unreadable && typeof error === 'object') {
        const converted = error as { name: string; $fault?: string; $metadata?: object };
        Object.defineProperty(converted, 'name', {
          value: status === 503 ? 'ServiceUnavailable' : 'InternalFailure',
          configurable: true,
          writable: true,
        });
        converted.$fault = 'server';
        converted.$metadata = { ...(converted.$metadata ?? {}), httpStatusCode: status };
      }
      throw error;
    }
  };
}

/**
 * Outermost: an error that is still throttling or a server error after the SDK's retries (or
 * after the one attempt of a single-attempt client) gets a message naming the service, the
 * operation, the resource, the attempts made and what to do. Its name (the AWS error code) is kept,
 * so callers that branch on it still do.
 */
function givingUpMiddleware<Input extends object, Output extends object>(
  service: string,
): InitializeMiddleware<Input, Output> {
  return (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (error instanceof Error && !isDescribed(error) && classifyFailure(error) !== 'rejected') {
        const operation = (context.commandName ?? 'call').replace(/Command$/, '');
        error.message = describeGivingUp(error, service, operation, args.input);
        Object.defineProperty(error, DESCRIBED, { value: true });
      }
      throw error;
    }
  };
}

/** Installs both middlewares on an SDK client (any service); returns the client. */
export function withFailureHandling<
  Input extends object,
  Output extends object,
  Client extends { middlewareStack: MiddlewareStack<Input, Output> },
>(client: Client & { middlewareStack: MiddlewareStack<Input, Output> }, service: string): Client {
  client.middlewareStack.add(givingUpMiddleware<Input, Output>(service), {
    step: 'initialize',
    priority: 'high',
    name: 'nomadGivingUp',
  });
  client.middlewareStack.add(unreadableServerErrorMiddleware<Input, Output>(), {
    step: 'deserialize',
    priority: 'high',
    name: 'nomadUnreadableServerError',
  });
  return client;
}
