import { keccak256 } from 'ethers';
import { errorMessage } from '../../errors.js';
import { mapLimited } from '../../pool.js';
import type { RpcLink } from '../rpc/batch.js';
import { broadcastAll } from './broadcast.js';
import { fillRefused } from './gap.js';
import { TRANSFER_GAS } from './gas.js';
import { waitForReceipts } from './receipts.js';
import type { SendOptions } from './options.js';
import { selfTransfer, unsignedTransfer } from './transactions.js';
import type { TxResult } from '../types.js';
/**
 * Sending top-ups on one chain: every transfer signed with an explicit nonce counting up from the
 * bank's `pending` nonce, all broadcast together in one JSON-RPC batch (nonce order; nothing waits
 * for mining), so a chain's top-ups can be mined in the next block. A nonce the node refuses is
 * filled at once (see gap.ts), so the ones after it never wait behind a hole and nothing is paid
 * twice. Then the receipts are polled together until all are mined or the receipt timeout passes
 * (see receipts.ts, which also replaces top-ups priced out meanwhile).
 */

/**
 * The bytes to broadcast at each nonce: the top-up, or, when it could not be signed, a zero-value
 * self-transfer (its nonce must not be a hole). Undefined from the first nonce that has neither:
 * nothing from there on is broadcast.
 */
async function signAll(results: TxResult[], options: SendOptions): Promise<string[]> {
  const signed = await mapLimited(results, options.signConcurrency ?? 16, async (result) => {
    try {
      const raw = await options.signer.signTransaction(
        unsignedTransfer(result, options.chainId, options.fees),
      );
      result.hash = keccak256(raw);
      return raw;
    } catch (error) {
      result.status = 'not-signed';
      result.error = `signing failed: ${errorMessage(error)}`;
      return undefined;
    }
  });
  const raws: string[] = [];
  for (const [i, result] of results.entries()) {
    let raw = signed[i];
    if (raw === undefined) {
      try {
        const bank = await options.signer.getAddress();
        raw = await options.signer.signTransaction(
          selfTransfer(bank, result.nonce, options.chainId, options.fees),
        );
        result.fillHash = keccak256(raw);
        result.error += `; nonce ${result.nonce} filled by the zero-value self-transfer ${result.fillHash}`;
      } catch {
        for (const later of results.slice(i + 1)) {
          if (later.status === 'not-signed') continue;
          later.status = 'not-sent';
          later.error = `not sent: nonce ${result.nonce} could not be signed, and this nonce would wait behind the gap; the next run decides again`;
          delete later.hash;
        }
        break;
      }
    }
    raws.push(raw);
  }
  return raws;
}

/** Signs, broadcasts and waits for the transfers; one result per transfer, in order. */
export async function sendTopUps(options: SendOptions): Promise<TxResult[]> {
  const results: TxResult[] = options.transfers.map((t, i) => ({
    network: options.network,
    chainId: options.chainId,
    to: t.to,
    amount: t.amount,
    nonce: options.startNonce + i,
    status: 'timeout',
    gasLimit: t.gasLimit ?? TRANSFER_GAS,
    fees: options.fees,
    ...(t.lower !== undefined ? { lower: t.lower } : {}),
  }));
  if (results.length === 0) return results;
  const link: RpcLink = {
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

  const raws = await signAll(results, options);
  await options.beforeBroadcast?.(results.slice(0, raws.length).filter((r) => r.hash));
  const answers = await broadcastAll(raws, link, options.onRpcError);
  const refused: Array<{ result: TxResult; raw: string; message: string }> = [];
  for (const [i, result] of results.entries()) {
    const answer = answers[i];
    if (i >= raws.length || result.status === 'not-signed') continue;
    if (answer === undefined) {
      result.status = 'not-sent';
      result.error = `not sent: an earlier broadcast was not confirmed, and this nonce could wait behind a gap; the next run decides again`;
      delete result.hash;
    } else if (answer.kind === 'unconfirmed') {
      // The node may have taken it anyway: keep the hash and look for its receipt.
      result.error = `broadcast not confirmed: ${answer.message}`;
    } else if (answer.kind === 'refused') {
      refused.push({ result, raw: raws[i]!, message: answer.message });
    }
  }
  if (refused.length > 0) await fillRefused(results, refused, options, link);
  await waitForReceipts(results, options, link);
  return results;
}
