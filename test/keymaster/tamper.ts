import type { FetchLike } from '../../src/keymaster/rpc/rpc.js';

/**
 * A fetch that talks to the real node and rewrites its answers for requests to `url`: `rewrite`
 * gets each call's method and result and returns the result to hand back (a misbehaving node).
 * Requests to other URLs pass through untouched.
 */
export function tamperingFetch(
  url: string,
  rewrite: (method: string, result: unknown) => unknown,
): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (input !== url) return response;
    const calls = JSON.parse(String(init.body)) as Array<{ id: number; method: string }>;
    const methods = new Map(calls.map((c) => [c.id, c.method]));
    const answers = (await response.json()) as Array<{ id: number; result?: unknown }>;
    for (const answer of answers) {
      if ('result' in answer) answer.result = rewrite(methods.get(answer.id) ?? '', answer.result);
    }
    return new Response(JSON.stringify(answers), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** A node that answers null to eth_maxPriorityFeePerGas and sends blocks without a number. */
export function nullTipNoBlockNumber(method: string, result: unknown): unknown {
  if (method === 'eth_maxPriorityFeePerGas') return null;
  if (method === 'eth_getBlockByNumber' && result && typeof result === 'object') {
    const { number: _number, ...rest } = result as Record<string, unknown>;
    return rest;
  }
  return result;
}
