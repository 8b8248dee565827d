import { errorMessage } from '../../errors.js';
import { callAll, type RpcLink } from '../rpc/batch.js';
import { ALREADY_KNOWN } from './transactions.js';

/**
 * Broadcasting signed transactions: all of a chain's in one JSON-RPC batch of
 * `eth_sendRawTransaction`, in nonce order (a batch too large for the provider goes in chunks, one
 * after the other). The node answers each call on its own, so one refusal does not stop the rest;
 * what a refused nonce means for the ones after it is the sender's business (see gap.ts).
 */

export type Broadcast =
  /** In the node's pool (or already there: the same bytes sent again). */
  | { kind: 'accepted' }
  /** The node answered with an error for this transaction. */
  | { kind: 'refused'; message: string }
  /** The request failed as a whole: the node may or may not hold it. */
  | { kind: 'unconfirmed'; message: string };

/**
 * One answer per transaction, in order; `undefined` for the ones not sent because an earlier
 * chunk could not be confirmed (sending them could queue them behind a nonce the node lacks). A
 * failed request is sent once more (the link's retries): the same bytes are idempotent.
 */
export async function broadcastAll(
  raws: string[],
  link: RpcLink,
  onRpcError?: (method: string) => void,
): Promise<Array<Broadcast | undefined>> {
  const answers = new Array<Broadcast | undefined>(raws.length).fill(undefined);
  const size = Math.max(1, link.maxBatchSize);
  for (let start = 0; start < raws.length; start += size) {
    const chunk = raws.slice(start, start + size);
    try {
      const outcomes = await callAll(
        link,
        chunk.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })),
      );
      outcomes.forEach((outcome, i) => {
        if (outcome.ok || ALREADY_KNOWN.test(outcome.message)) {
          answers[start + i] = { kind: 'accepted' };
          return;
        }
        onRpcError?.('eth_sendRawTransaction');
        answers[start + i] = { kind: 'refused', message: outcome.message };
      });
    } catch (error) {
      onRpcError?.('eth_sendRawTransaction');
      for (let i = 0; i < chunk.length; i += 1) {
        answers[start + i] = { kind: 'unconfirmed', message: errorMessage(error) };
      }
      break;
    }
  }
  return answers;
}
