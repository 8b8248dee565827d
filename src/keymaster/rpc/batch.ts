import {
  rpcBatch,
  RpcTransportError,
  sleep,
  type FetchLike,
  type RpcCall,
  type RpcOutcome,
} from './rpc.js';

/**
 * JSON-RPC calls to one provider, in batches that fit it. Providers cap batches (many at 10–100
 * calls) and answer a larger one with an error object, an HTTP 4xx, or a list that stops short.
 * So: calls go in parallel requests of at most `maxBatchSize`; a batch the provider refuses is
 * halved, and halved again, down to single calls; a batch answered in part has its missing calls
 * sent again the same way; a provider that refuses even a batch of one gets plain requests. What
 * was learned (the size that works, batches refused) is kept in the `RpcLink` for the rest of the
 * run, so the common case stays one request per chain. Requests that do not arrive (unreachable,
 * timed out, HTTP 5xx or 429) are tried again, `retries` times, never halved: a slow provider is
 * not made slower by sending it more requests.
 */

export interface RpcLink {
  url: string;
  /** Largest batch to send; lowered when the provider refuses larger ones. */
  maxBatchSize: number;
  /** Set once the provider refused a batch of one: single calls go as plain requests. */
  noBatches?: boolean;
  timeoutMs: number;
  /** Further attempts after a request failed to arrive (default 2). */
  retries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Called once per HTTP request, with the number of calls in it. */
  onRequest?: (calls: number) => void;
  /** Called once per request that failed as a whole (for `rpc_errors_total{method="batch"}`). */
  onRequestError?: (error: RpcTransportError) => void;
}

/** The provider refuses the batch as such (rather than failing to answer): sending less may work. */
function refusesBatch(error: RpcTransportError): boolean {
  if (error.kind === 'not-batch' || error.kind === 'not-json') return true;
  return (
    error.kind === 'http' &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429 &&
    error.status !== 408
  );
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Answers in the order of `calls`; throws the last `RpcTransportError` when a part never arrived. */
export async function callAll(link: RpcLink, calls: RpcCall[]): Promise<RpcOutcome[]> {
  if (calls.length === 0) return [];
  const size = Math.max(1, link.maxBatchSize);
  const parts = await Promise.all(chunk(calls, size).map((part) => callPart(link, part)));
  return parts.flat();
}

async function callPart(link: RpcLink, calls: RpcCall[]): Promise<RpcOutcome[]> {
  // The size may have been lowered by a sibling request meanwhile.
  if (calls.length > link.maxBatchSize) return callAll(link, calls);
  const sentSingle = link.noBatches === true && calls.length === 1;
  let outcomes: RpcOutcome[];
  try {
    outcomes = await sendWithRetries(link, calls);
  } catch (error) {
    if (!(error instanceof RpcTransportError) || !refusesBatch(error)) throw error;
    if (calls.length === 1) {
      if (sentSingle) throw error;
      link.noBatches = true;
      return callPart(link, calls);
    }
    link.maxBatchSize = Math.min(link.maxBatchSize, Math.ceil(calls.length / 2));
    return callAll(link, calls);
  }
  // A truncated answer: the calls it left out go again, in halves.
  const missing = calls.flatMap((call, index) => {
    const outcome = outcomes[index];
    return outcome && !outcome.ok && outcome.missing ? [{ index, call }] : [];
  });
  if (missing.length === 0 || calls.length === 1) return outcomes;
  const answered = calls.length - missing.length;
  link.maxBatchSize = Math.max(
    1,
    Math.min(link.maxBatchSize, answered || Math.ceil(calls.length / 2)),
  );
  const again = await callAll(
    link,
    missing.map((m) => m.call),
  );
  const retried = new Map(missing.map((m, j) => [m.index, again[j]]));
  return outcomes.map((outcome, index) => retried.get(index) ?? outcome);
}

async function sendWithRetries(link: RpcLink, calls: RpcCall[]): Promise<RpcOutcome[]> {
  const retries = link.retries ?? 2;
  for (let attempt = 1; ; attempt += 1) {
    try {
      link.onRequest?.(calls.length);
      return await rpcBatch(link.url, calls, {
        timeoutMs: link.timeoutMs,
        ...(link.signal ? { signal: link.signal } : {}),
        ...(link.fetch ? { fetch: link.fetch } : {}),
        ...(link.noBatches && calls.length === 1 ? { single: true } : {}),
      });
    } catch (error) {
      if (!(error instanceof RpcTransportError)) throw error;
      link.onRequestError?.(error);
      if (refusesBatch(error) || attempt > retries || link.signal?.aborted) throw error;
      await sleep((link.retryDelayMs ?? 250) * attempt, link.signal);
    }
  }
}

/** A call of a batch, named by what its answer is for. */
export interface NamedCall<K extends string | number = string> {
  name: K;
  call: RpcCall;
}

/**
 * Sends named calls as one list (split and retried like `callAll`) and gives the answers by name,
 * so a reader asks for `bankPendingNonce` or a nonce's broadcast, never for the sixth answer. Each
 * answer came back under its call's JSON-RPC id (rpc.ts), in whatever order the node sent them.
 */
export async function callNamed<K extends string | number>(
  link: RpcLink,
  calls: ReadonlyArray<NamedCall<K>>,
): Promise<Map<K, RpcOutcome>> {
  const outcomes = await callAll(
    link,
    calls.map((c) => c.call),
  );
  return new Map(calls.map((c, i) => [c.name, outcomes[i] ?? missingAnswer(c.call)]));
}

function missingAnswer(call: RpcCall): RpcOutcome {
  return { ok: false, code: undefined, message: `no answer for ${call.method}`, missing: true };
}
