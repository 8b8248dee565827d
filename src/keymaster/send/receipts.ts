import { errorMessage } from '../../errors.js';
import {
  baseOf,
  inState,
  resultOf,
  withMoved,
  type Attempt,
  type AttemptIn,
  type Attempts,
  type Receipt,
} from './attempt.js';
import { callNamed, type RpcLink } from '../rpc/batch.js';
import { broadcastAll } from './broadcast.js';
import { replacementFees } from './gas.js';
import { quantity, sleep } from '../rpc/rpc.js';
import type { SendOptions } from './options.js';
import { intentRefused } from './intent.js';
import { signSelfTransfer, signTransfer } from './sign.js';
import type { FeeQuote } from '../types.js';

/**
 * Waiting for top-ups: receipts polled together, in batches, until all are mined or the receipt
 * timeout passes. While waiting, a transfer not mined `replaceAfterMs` after the broadcast and
 * bidding less than the chain now asks is replaced at its nonce with bumped fees (or cancelled when
 * its wallet was funded meanwhile); every version's receipt is polled, so whichever is mined is
 * the outcome.
 */

type Open = AttemptIn<'broadcast'>;

/** A quantity, or undefined when absent or malformed: for fields the result can do without. */
function lenientQuantity(value: unknown): bigint | undefined {
  try {
    return quantity(value, 'receipt field');
  } catch {
    return undefined;
  }
}

/**
 * What a receipt says of the version `hash` of an open attempt: it is mined, and the others at
 * its nonce can never be. Throws when the status or block is unreadable. Without a readable
 * effectiveGasPrice (older nodes) a legacy transfer's fee is still exact (it pays its gas price);
 * an EIP-1559 one's is left unknown rather than guessed.
 */
export function minedBy(attempt: Open, hash: string, receipt: Record<string, unknown>): Attempt {
  const succeeded = quantity(receipt.status, 'status') === 1n;
  const blockNumber = Number(quantity(receipt.blockNumber, 'blockNumber'));
  const gasUsed = lenientQuantity(receipt.gasUsed);
  const { fees } = attempt;
  const price =
    lenientQuantity(receipt.effectiveGasPrice) ?? (fees.type === 0 ? fees.gasPrice : undefined);
  const status = !succeeded ? 'reverted' : hash === attempt.cancelHash ? 'cancelled' : 'mined';
  const read: Receipt = {
    status,
    blockNumber,
    ...(gasUsed !== undefined ? { gasUsed } : {}),
    ...(price !== undefined ? { effectiveGasPrice: price } : {}),
    ...(gasUsed !== undefined && price !== undefined ? { fee: gasUsed * price } : {}),
  };
  // Every version but the mined one is replaced (an earlier one mined: the later can never be).
  const versions = [...attempt.replaced, attempt.hash];
  return {
    ...baseOf(attempt, []),
    state: 'mined',
    hash,
    replaced: versions.filter((h) => h !== hash),
    ...(attempt.cancelHash !== undefined ? { cancelHash: attempt.cancelHash } : {}),
    receipt: read,
  };
}

/**
 * Replacements of the open transfers that bid less than the chain now asks: same nonce, same
 * recipient and amount, fees bumped (see `replacementFees`); or, when the recipient is now at or
 * above its lower bound, a zero-value self-transfer at that nonce (a cancel). Never a new nonce:
 * whichever version is mined, the recipient is paid at most once. Returns the attempts it moved
 * (replaced, or noted why not), reporting each replacement through `onReplaced`.
 */
async function replaceStuck(open: Open[], options: SendOptions, link: RpcLink): Promise<Attempt[]> {
  const current = await options.requote?.();
  if (!current) return [];
  const balances = options.balancesOf
    ? await options.balancesOf(
        open.filter((a) => a.transfer.lower !== undefined).map((a) => a.transfer.to),
      )
    : new Map<string, bigint>();
  const moved: Attempt[] = [];
  const noted = (attempt: Open, note: string) => moved.push({ ...attempt, notes: [note] });
  for (const attempt of open) {
    if (attempt.cancelHash) continue;
    const decision = replacementFees(attempt.fees, current, options.maxFeePerGas);
    if (decision.kind === 'keep') continue;
    if (decision.kind === 'capped') {
      noted(attempt, `stuck at nonce ${attempt.nonce} and not replaced: ${decision.reason}`);
      continue;
    }
    // Funded meanwhile from elsewhere: the nonce is filled with nothing instead of a payment.
    const now = balances.get(attempt.transfer.to.toLowerCase());
    const { lower } = attempt.transfer;
    const cancel = lower !== undefined && now !== undefined && now >= lower;
    const fees: FeeQuote = decision.fees;
    const signed = cancel
      ? await signSelfTransfer(attempt.nonce, fees, options)
      : await signTransfer(attempt, fees, options);
    if (!signed.ok) {
      noted(attempt, `its replacement could not be signed: ${signed.error}`);
      continue;
    }
    // Accepted, or perhaps accepted: either version may be mined now, both are watched.
    const replaced: Attempt = {
      ...attempt,
      fees,
      hash: signed.hash,
      replaced: [...attempt.replaced, attempt.hash],
      ...(cancel ? { cancelHash: signed.hash } : {}),
    };
    // A payment's new version gets its ledger intent before its broadcast, like the first one.
    const refusedBy = cancel ? undefined : await intentRefused(replaced, options);
    if (refusedBy) {
      noted(attempt, `its replacement was not broadcast: ${refusedBy}`);
      continue;
    }
    const sent = (
      await broadcastAll(new Map([[attempt.nonce, signed.raw]]), link, options.onRpcError)
    ).get(attempt.nonce);
    if (sent?.kind === 'refused') {
      noted(attempt, `the node refused its replacement: ${sent.message}`);
      continue;
    }
    moved.push(replaced);
    options.onReplaced?.(resultOf(replaced), attempt.hash);
  }
  return moved;
}

/** One poll: the receipts of every version of the open attempts, matched by hash. */
async function poll(open: Open[], options: SendOptions, link: RpcLink): Promise<Attempt[]> {
  const versions = open.flatMap((a) => [a.hash, ...a.replaced].map((hash) => ({ a, hash })));
  let receipts;
  try {
    receipts = await callNamed(
      { ...link, retries: 0 },
      versions.map(({ hash }) => ({
        name: hash,
        call: { method: 'eth_getTransactionReceipt', params: [hash] },
      })),
    );
  } catch {
    options.onRpcError?.('eth_getTransactionReceipt');
    return [];
  }
  const moved = new Map<number, Attempt>();
  for (const { a, hash } of versions) {
    const outcome = receipts.get(hash);
    if (moved.get(a.nonce)?.state === 'mined' || !outcome?.ok || !outcome.result) continue;
    // Each receipt on its own: one malformed answer must not hide the others of this poll.
    try {
      moved.set(a.nonce, minedBy(a, hash, outcome.result as Record<string, unknown>));
    } catch (error) {
      options.onRpcError?.('eth_getTransactionReceipt');
      moved.set(a.nonce, {
        ...a,
        notes: [`its receipt could not be read: ${errorMessage(error)}`],
      });
    }
  }
  return [...moved.values()];
}

/**
 * Polls the receipts of the broadcast attempts until each is mined or the timeout passes; the
 * ones still open then are `unknown` (they may yet be mined: the next run counts them as pending).
 */
export async function waitForReceipts(
  attempts: Attempts,
  options: SendOptions,
  link: RpcLink,
): Promise<Attempts> {
  const now = options.now ?? Date.now;
  let current = attempts;
  const deadline = now() + options.receiptTimeoutMs;
  const replaceAfterMs = options.requote ? options.replaceAfterMs : undefined;
  let replaceAt = replaceAfterMs !== undefined ? now() + replaceAfterMs : undefined;
  for (;;) {
    if (inState(current, 'broadcast').length === 0 || options.signal?.aborted) break;
    current = withMoved(current, await poll(inState(current, 'broadcast'), options, link));
    if (inState(current, 'broadcast').length === 0 || now() >= deadline) break;
    if (replaceAt !== undefined && replaceAfterMs !== undefined && now() >= replaceAt) {
      current = withMoved(
        current,
        await replaceStuck(inState(current, 'broadcast'), options, link),
      );
      replaceAt = now() + replaceAfterMs;
    }
    const wake = Math.min(options.pollIntervalMs ?? 1000, deadline - now());
    await sleep(
      replaceAt === undefined ? wake : Math.min(wake, Math.max(0, replaceAt - now())),
      options.signal,
    );
  }
  const timedOut = inState(current, 'broadcast').map((a): Attempt => ({
    ...a,
    state: 'unknown',
    notes:
      a.notes.length > 0
        ? a.notes
        : [
            `not mined within ${options.receiptTimeoutMs} ms; it may still be; the next run counts it as pending`,
          ],
  }));
  return withMoved(current, timedOut);
}
