import { keccak256 } from 'ethers';
import { errorMessage } from '../../errors.js';
import { callAll, type RpcLink } from '../rpc/batch.js';
import { broadcastAll } from './broadcast.js';
import { replacementFees } from './gas.js';
import { quantity, sleep, type RpcOutcome } from '../rpc/rpc.js';
import type { SendOptions } from './options.js';
import { selfTransfer, unsignedTransfer } from './transactions.js';
import type { FeeQuote, TxResult, TxStatus } from '../types.js';

/**
 * Waiting for top-ups: receipts polled together, in batches, until all are mined or the receipt
 * timeout passes. While waiting, a transfer not mined `replaceAfterMs` after the broadcast and
 * bidding less than the chain now asks is replaced at its nonce with bumped fees (or cancelled when
 * its wallet was funded meanwhile); every version's receipt is polled, so whichever is mined is
 * the outcome.
 */

/** A quantity, or undefined when absent or malformed: for fields the result can do without. */
function lenientQuantity(value: unknown): bigint | undefined {
  try {
    return quantity(value, 'receipt field');
  } catch {
    return undefined;
  }
}

/**
 * Fills a result from its receipt; throws, leaving the result as it was, when the status or block
 * is unreadable. Without a readable effectiveGasPrice (older nodes) a legacy transfer's fee is
 * still exact (it pays its gas price); an EIP-1559 one's is left unknown rather than guessed.
 */
function readReceipt(result: TxResult, receipt: Record<string, unknown>, fees: FeeQuote): void {
  const status = quantity(receipt.status, 'status');
  const blockNumber = Number(quantity(receipt.blockNumber, 'blockNumber'));
  const gasUsed = lenientQuantity(receipt.gasUsed);
  const price =
    lenientQuantity(receipt.effectiveGasPrice) ?? (fees.type === 0 ? fees.gasPrice : undefined);
  result.status = status === 1n ? 'mined' : 'reverted';
  result.blockNumber = blockNumber;
  delete result.error;
  if (gasUsed !== undefined) result.gasUsed = gasUsed;
  if (price !== undefined) result.effectiveGasPrice = price;
  if (gasUsed !== undefined && price !== undefined) result.fee = gasUsed * price;
}

/**
 * Replaces the open transfers that bid less than the chain now asks: same nonce, same recipient
 * and amount, fees bumped (see `replacementFees`); or, when the recipient is now at or above its
 * lower bound, a zero-value self-transfer at that nonce (a cancel). Never a new nonce: whichever
 * version is mined, the recipient is paid at most once. Each replacement is recorded in the
 * result (`replaced`, `cancelHash`) and reported through `onReplaced`.
 */
async function replaceStuck(open: TxResult[], options: SendOptions, link: RpcLink): Promise<void> {
  const current = await options.requote?.();
  if (!current) return;
  const balances = options.balancesOf
    ? await options.balancesOf(open.filter((r) => r.lower !== undefined).map((r) => r.to))
    : new Map<string, bigint>();
  for (const result of open) {
    if (!result.fees || !result.hash || result.cancelHash) continue;
    const decision = replacementFees(result.fees, current, options.maxFeePerGas);
    if (decision.kind === 'keep') continue;
    if (decision.kind === 'capped') {
      result.error = `stuck at nonce ${result.nonce} and not replaced: ${decision.reason}`;
      continue;
    }
    // Funded meanwhile from elsewhere: the nonce is filled with nothing instead of a payment.
    const now = balances.get(result.to.toLowerCase());
    const cancel = result.lower !== undefined && now !== undefined && now >= result.lower;
    let raw: string;
    try {
      raw = await options.signer.signTransaction(
        cancel
          ? selfTransfer(
              await options.signer.getAddress(),
              result.nonce,
              options.chainId,
              decision.fees,
            )
          : unsignedTransfer(result, options.chainId, decision.fees),
      );
    } catch (error) {
      result.error = `its replacement could not be signed: ${errorMessage(error)}`;
      continue;
    }
    const [sent] = await broadcastAll([raw], link, options.onRpcError);
    if (sent?.kind === 'refused') {
      result.error = `the node refused its replacement: ${sent.message}`;
      continue;
    }
    // Accepted, or perhaps accepted: either version may be mined now, both are watched.
    const previous = result.hash;
    result.replaced = [...(result.replaced ?? []), previous];
    result.hash = keccak256(raw);
    if (cancel) result.cancelHash = result.hash;
    result.fees = decision.fees;
    options.onReplaced?.(result, previous);
  }
}

/** Polls the receipts of the results still open (`timeout` with a hash) until mined or timed out. */
export async function waitForReceipts(
  results: TxResult[],
  options: SendOptions,
  link: RpcLink,
): Promise<void> {
  const now = options.now ?? Date.now;
  const waiting = () => results.filter((r) => r.status === 'timeout' && r.hash !== undefined);
  const polling: RpcLink = { ...link, retries: 0 };
  const deadline = now() + options.receiptTimeoutMs;
  let replaceAt =
    options.replaceAfterMs !== undefined && options.requote
      ? now() + options.replaceAfterMs
      : undefined;
  for (;;) {
    const open = waiting();
    if (open.length === 0 || options.signal?.aborted) break;
    // Every version of each open transfer: the replaced ones may still be mined instead.
    const asked = open.flatMap((r) =>
      [r.hash!, ...(r.replaced ?? [])].map((hash) => ({ r, hash })),
    );
    let receipts: RpcOutcome[] | undefined;
    try {
      receipts = await callAll(
        polling,
        asked.map(({ hash }) => ({ method: 'eth_getTransactionReceipt', params: [hash] })),
      );
    } catch {
      options.onRpcError?.('eth_getTransactionReceipt');
    }
    receipts?.forEach((outcome, i) => {
      const { r: result, hash } = asked[i]!;
      if (result.status !== 'timeout' || !outcome.ok || !outcome.result) return;
      // Each receipt on its own: one malformed answer must not hide the others of this poll.
      try {
        readReceipt(result, outcome.result as Record<string, unknown>, result.fees ?? options.fees);
        if (hash === result.cancelHash && (result.status as TxStatus) === 'mined') {
          result.status = 'cancelled';
        }
        if (hash !== result.hash) {
          // An earlier version was mined: it is the payment; the later ones can never be.
          result.replaced = [...(result.replaced ?? []).filter((h) => h !== hash), result.hash!];
          result.hash = hash;
        }
      } catch (error) {
        options.onRpcError?.('eth_getTransactionReceipt');
        result.error = `its receipt could not be read: ${errorMessage(error)}`;
      }
    });
    if (waiting().length === 0 || now() >= deadline) break;
    if (replaceAt !== undefined && now() >= replaceAt) {
      await replaceStuck(waiting(), options, link);
      replaceAt = now() + options.replaceAfterMs!;
    }
    const wake = Math.min(options.pollIntervalMs ?? 1000, deadline - now());
    await sleep(
      replaceAt === undefined ? wake : Math.min(wake, Math.max(0, replaceAt - now())),
      options.signal,
    );
  }
  for (const result of waiting()) {
    result.error ??= `not mined within ${options.receiptTimeoutMs} ms; it may still be; the next run counts it as pending`;
  }
}
