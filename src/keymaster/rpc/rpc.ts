/**
 * A minimal JSON-RPC client over fetch: one HTTP request carries a whole batch, so a sweep of a
 * chain costs one round trip whatever the number of accounts. ethers' provider would split and
 * retry behind our back; here every request is explicit and countable.
 */

import { awsErrorName, OperationError } from '../../errors.js';
import { displayUrl } from '../../redact.js';
import { rpcEndpoint, rpcUrlProblem } from './url.js';

export interface RpcCall {
  method: string;
  params: unknown[];
}

/**
 * The answer to one call of a batch: a result, or the node's error for that call alone.
 * `missing`: the node's answer to the batch did not include this call (a truncated batch).
 */
export type RpcOutcome =
  | { ok: true; result: unknown }
  | { ok: false; code: number | undefined; message: string; missing?: true };

/**
 * Why a request failed as a whole: `unreachable`, `timeout`, `http` (an error status, in
 * `status`), `not-json`, or `not-batch` (an answer that is not a list: batches refused).
 */
export type RpcFailureKind = 'unreachable' | 'timeout' | 'http' | 'not-json' | 'not-batch';

/** The request as a whole failed: unreachable, timed out, HTTP error, or an answer that is not a batch. */
export class RpcTransportError extends OperationError {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown; kind?: RpcFailureKind; status?: number },
  ) {
    super(message, options);
    this.kind = options?.kind ?? 'unreachable';
    if (options?.status !== undefined) this.status = options.status;
  }

  readonly kind: RpcFailureKind;
  readonly status?: number;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RpcOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Send one call as a plain JSON-RPC request, not as a batch of one (for providers refusing batches). */
  single?: boolean;
}

/** Strips credentials and paths that often carry API keys (`/v3/<key>`) from a URL for messages. */
export const redactUrl = displayUrl;

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

/** Sends the calls as one JSON-RPC batch; answers in the order of `calls`. */
export async function rpcBatch(
  url: string,
  calls: RpcCall[],
  options: RpcOptions,
): Promise<RpcOutcome[]> {
  if (calls.length === 0) return [];
  const doFetch = options.fetch ?? fetch;
  const signals = [AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const single = options.single === true && calls.length === 1;
  const requests = calls.map((call, id) => ({
    jsonrpc: '2.0',
    id,
    method: call.method,
    params: call.params,
  }));
  const body = JSON.stringify(single ? requests[0] : requests);
  const where = redactUrl(url);
  const problem = rpcUrlProblem(url);
  if (problem) throw new RpcTransportError(`the RPC URL ${problem}`, url);
  // Userinfo travels as a Basic header: fetch refuses URLs with credentials.
  const endpoint = rpcEndpoint(url);
  let text: string;
  try {
    const response = await doFetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...endpoint.headers },
      body,
      signal: AbortSignal.any(signals),
    });
    text = await response.text();
    if (!response.ok) {
      throw new RpcTransportError(
        `RPC ${where} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
        url,
        { kind: 'http', status: response.status },
      );
    }
  } catch (error) {
    if (error instanceof RpcTransportError) throw error;
    const name = awsErrorName(error);
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    throw new RpcTransportError(
      timedOut
        ? `RPC ${where} did not answer within ${options.timeoutMs} ms`
        : `RPC ${where} could not be reached (${describeCause(error)})`,
      url,
      { cause: error, kind: timedOut ? 'timeout' : 'unreachable' },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RpcTransportError(`RPC ${where} answered something that is not JSON`, url, {
      cause: error,
      kind: 'not-json',
    });
  }
  if (single && !Array.isArray(parsed)) parsed = [parsed];
  if (!Array.isArray(parsed)) {
    const message = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
    throw new RpcTransportError(
      `RPC ${where} did not answer the batch with a list${typeof message === 'string' ? ` (${message})` : ''}; does it support JSON-RPC batches?`,
      url,
      { kind: 'not-batch' },
    );
  }
  const byId = new Map<number, RpcOutcome>();
  for (const item of parsed as Array<Record<string, unknown>>) {
    if (typeof item?.id !== 'number') continue;
    const error = item.error as { code?: unknown; message?: unknown } | undefined;
    byId.set(
      item.id,
      error
        ? {
            ok: false,
            code: typeof error.code === 'number' ? error.code : undefined,
            message: typeof error.message === 'string' ? error.message : JSON.stringify(error),
          }
        : { ok: true, result: item.result },
    );
  }
  return calls.map(
    (call, id) =>
      byId.get(id) ?? {
        ok: false,
        code: undefined,
        message: `no answer for ${call.method} in the batch`,
        missing: true,
      },
  );
}

/** The node answered a call with an error (the request itself arrived). */
export class RpcCallError extends OperationError {
  constructor(
    readonly method: string,
    readonly nodeMessage: string,
    readonly code?: number,
  ) {
    super(`${method} failed: ${nodeMessage}`);
  }
}

/** An answer that is not what the method returns (a malformed quantity, say). */
export class RpcAnswerError extends OperationError {}

/** One call, same transport; throws the node's error as an `RpcCallError`. */
export async function rpcCall(url: string, call: RpcCall, options: RpcOptions): Promise<unknown> {
  const [outcome] = await rpcBatch(url, [call], options);
  if (!outcome?.ok) {
    throw new RpcCallError(call.method, outcome?.message ?? 'no answer', outcome?.code);
  }
  return outcome.result;
}

/** A JSON-RPC quantity ("0x1a") as a bigint; throws on anything else. */
export function quantity(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new RpcAnswerError(`${what}: expected a hex quantity, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
