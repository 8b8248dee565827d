import { mapLimited } from '../../pool.js';
import type { RpcLink } from '../rpc/batch.js';
import {
  baseOf,
  inState,
  planAttempts,
  resultOf,
  resultsOf,
  withMoved,
  type Attempt,
  type Attempts,
} from './attempt.js';
import { broadcastAll, type Broadcast } from './broadcast.js';
import { fillRefused } from './gap.js';
import { waitForReceipts } from './receipts.js';
import type { SendOptions } from './options.js';
import { signSelfTransfer, signTransfer, type Signature } from './sign.js';
import type { TxResult } from '../types.js';
/**
 * Sending top-ups on one chain: every transfer signed with an explicit nonce counting up from the
 * bank's `pending` nonce, all broadcast together in one JSON-RPC batch (nonce order; nothing waits
 * for mining), so a chain's top-ups can be mined in the next block. A nonce the node refuses is
 * filled at once (see gap.ts), so the ones after it never wait behind a hole and nothing is paid
 * twice. Then the receipts are polled together until all are mined or the receipt timeout passes
 * (see receipts.ts, which also replaces top-ups priced out meanwhile). Each step takes the attempts
 * keyed by nonce (attempt.ts) and returns the ones it moved.
 */

/**
 * Signs the planned attempts, and the bytes to broadcast at each nonce: the top-up, or, when it
 * could not be signed, a zero-value self-transfer (its nonce must not be a hole). From the first
 * nonce that has neither, nothing is broadcast.
 */
async function signAll(
  planned: Attempts,
  options: SendOptions,
): Promise<{ attempts: Attempts; raws: Map<number, string> }> {
  const list = inState(planned, 'planned');
  const signatures = new Map<number, Signature>(
    await mapLimited(list, options.signConcurrency ?? 16, async (attempt) => {
      const signature = await signTransfer(attempt, attempt.fees, options);
      return [attempt.nonce, signature] as const;
    }),
  );
  const moved: Attempt[] = [];
  const raws = new Map<number, string>();
  let hole: number | undefined;
  for (const attempt of list) {
    const signature = signatures.get(attempt.nonce);
    if (signature?.ok && hole === undefined) {
      const { raw, hash } = signature;
      moved.push({ ...baseOf(attempt), state: 'signed', raw, hash });
      raws.set(attempt.nonce, raw);
      continue;
    }
    if (signature?.ok) {
      moved.push({
        ...baseOf(attempt, [
          `not sent: nonce ${hole} could not be signed, and this nonce would wait behind the gap; the next run decides again`,
        ]),
        state: 'failed',
        status: 'not-sent',
      });
      continue;
    }
    const failed = `signing failed: ${signature?.error ?? 'no signature'}`;
    const fill =
      hole === undefined ? await signSelfTransfer(attempt.nonce, attempt.fees, options) : undefined;
    if (fill?.ok) {
      moved.push({
        ...baseOf(attempt, [
          failed,
          `nonce ${attempt.nonce} filled by the zero-value self-transfer ${fill.hash}`,
        ]),
        state: 'failed',
        status: 'not-signed',
        fillHash: fill.hash,
      });
      raws.set(attempt.nonce, fill.raw);
      continue;
    }
    hole ??= attempt.nonce;
    moved.push({ ...baseOf(attempt, [failed]), state: 'failed', status: 'not-signed' });
  }
  return { attempts: withMoved(planned, moved), raws };
}

/** What the broadcast answers make of the signed attempts (pure). */
export function afterBroadcast(
  attempts: Attempts,
  answers: ReadonlyMap<number, Broadcast>,
): Attempts {
  const moved = inState(attempts, 'signed').map((attempt): Attempt => {
    const answer = answers.get(attempt.nonce);
    const { raw, hash } = attempt;
    if (answer === undefined) {
      return {
        ...baseOf(attempt, [
          'not sent: an earlier broadcast was not confirmed, and this nonce could wait behind a gap; the next run decides again',
        ]),
        state: 'failed',
        status: 'not-sent',
      };
    }
    if (answer.kind === 'refused') {
      return { ...baseOf(attempt), state: 'refused', raw, hash, message: answer.message };
    }
    // Unconfirmed: the node may have taken it anyway, so its receipt is looked for.
    const notes =
      answer.kind === 'unconfirmed' ? [`broadcast not confirmed: ${answer.message}`] : [];
    return { ...baseOf(attempt, notes), state: 'broadcast', hash, replaced: [] };
  });
  return withMoved(attempts, moved);
}

/** The link the send path talks over: the sweep's batch size, one retry of a broadcast. */
function linkOf(options: SendOptions): RpcLink {
  return {
    url: options.rpcUrl,
    maxBatchSize: options.maxBatchSize ?? 100,
    ...(options.noBatches ? { noBatches: true } : {}),
    timeoutMs: options.rpcTimeoutMs,
    // A broadcast that did not arrive is sent once more: the same bytes are idempotent.
    retries: 1,
    retryDelayMs: 200,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

/** Signs, broadcasts and waits for the transfers; one result per transfer, in nonce order. */
export async function sendTopUps(options: SendOptions): Promise<TxResult[]> {
  const planned = planAttempts(options);
  if (planned.size === 0) return [];
  const link = linkOf(options);
  const { attempts: signed, raws } = await signAll(planned, options);
  await options.beforeBroadcast?.(inState(signed, 'signed').map(resultOf));
  const broadcast = afterBroadcast(signed, await broadcastAll(raws, link, options.onRpcError));
  const filled = await fillRefused(broadcast, options, link);
  return resultsOf(await waitForReceipts(filled, options, link));
}
