import { errorMessage } from '../../errors.js';
import { callNamed, type RpcLink } from '../rpc/batch.js';
import { ALREADY_KNOWN } from './transactions.js';

/**
 * Broadcasting signed transactions: all of a chain's in one JSON-RPC batch of
 * `eth_sendRawTransaction`, in the order given (nonce order; a batch too large for the provider
 * goes in chunks, one after the other). The node answers each call on its own, so one refusal
 * does not stop the rest; what a refused nonce means for the ones after it is the sender's
 * business (see gap.ts). Answers are matched to their transactions by key, never by position.
 */

export type Broadcast =
  /** In the node's pool (or already there: the same bytes sent again). */
  | { kind: 'accepted' }
  /** The node answered with an error for this transaction. */
  | { kind: 'refused'; message: string }
  /** The request failed as a whole: the node may or may not hold it. */
  | { kind: 'unconfirmed'; message: string };

/**
 * One answer per key sent; a key has none when its transaction was not sent because an earlier
 * chunk could not be confirmed (sending it could queue it behind a nonce the node lacks). A
 * failed request is sent once more (the link's retries): the same bytes are idempotent.
 */
export async function broadcastAll<K extends string | number>(
  raws: ReadonlyMap<K, string>,
  link: RpcLink,
  onRpcError?: (method: string) => void,
): Promise<Map<K, Broadcast>> {
  const answers = new Map<K, Broadcast>();
  const entries = [...raws];
  const size = Math.max(1, link.maxBatchSize);
  for (let start = 0; start < entries.length; start += size) {
    const chunk = entries.slice(start, start + size);
    try {
      const outcomes = await callNamed(
        link,
        chunk.map(([key, raw]) => ({
          name: key,
          call: { method: 'eth_sendRawTransaction', params: [raw] },
        })),
      );
      for (const [key, outcome] of outcomes) {
        if (outcome.ok || ALREADY_KNOWN.test(outcome.message)) {
          answers.set(key, { kind: 'accepted' });
          continue;
        }
        onRpcError?.('eth_sendRawTransaction');
        answers.set(key, { kind: 'refused', message: outcome.message });
      }
    } catch (error) {
      onRpcError?.('eth_sendRawTransaction');
      for (const [key] of chunk) {
        answers.set(key, { kind: 'unconfirmed', message: errorMessage(error) });
      }
      break;
    }
  }
  return answers;
}
