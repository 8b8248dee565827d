import { keccak256 } from 'ethers';
import { errorMessage } from '../../errors.js';
import { callAll, type RpcLink } from '../rpc/batch.js';
import { broadcastAll, type Broadcast } from './broadcast.js';
import { bumpedFees } from './gas.js';
import { quantity } from '../rpc/rpc.js';
import type { SendOptions } from './options.js';
import { classifyRefusal, selfTransfer, unsignedTransfer } from './transactions.js';
import type { FeeQuote, TxResult } from '../types.js';

/**
 * A refused nonce made harmless. The top-ups of a chain are broadcast together, so when the node
 * refuses the one at nonce n it may already hold n+1, n+2… in its queue, where they wait for n and
 * where the next run, which sees only the `pending` nonce (n), cannot see them. Left so, the next
 * run would pay at n, n+1… again and the queued ones would then be mined too: paid twice. So the
 * gap is filled at once, in one more batch:
 *
 * - with the very same transfer, when it must still be paid: the refusal is one the node may not
 *   repeat (a full pool, a rate limit) and the recipient is not now known to be at or above its
 *   lower bound;
 * - else with a zero-value self-transfer from the bank at n (the transfer must not be paid: the
 *   node says it will never take it, or its wallet no longer needs it), which costs one plain
 *   transfer's fee and moves nothing; also when the transfer sent again is refused again.
 *
 * A refusal that says the nonce is taken ("nonce too low", a replacement "underpriced": another
 * transaction of the bank holds it) leaves no gap and is not filled; when what holds it in the
 * pool is one of the bank's zero-value self-transfers (an earlier run's fill or withdrawal), the
 * top-up replaces it with bumped fees, since either being mined pays no one twice. Should even the self-transfer
 * be refused, the gap stays, and every top-up queued after it is withdrawn: replaced at its nonce,
 * with bumped fees, by a zero-value self-transfer, so nothing behind the gap can ever pay.
 */

interface Refused {
  result: TxResult;
  raw: string;
  message: string;
}

type Fill = { refused: Refused; by: 'resent' | 'self-transfer'; raw: string };

/** Signs a zero-value self-transfer at the result's nonce; undefined when signing fails. */
async function signSelfTransfer(
  result: TxResult,
  fees: FeeQuote,
  options: SendOptions,
): Promise<string | undefined> {
  try {
    const bank = await options.signer.getAddress();
    return await options.signer.signTransaction(
      selfTransfer(bank, result.nonce, options.chainId, fees),
    );
  } catch (error) {
    result.error = `${result.error ?? ''}; a self-transfer to fill its nonce could not be signed: ${errorMessage(error)}`;
    return undefined;
  }
}

/** Recipients of these results known to be at or above their lower bound now. */
async function fundedMeanwhile(list: Refused[], options: SendOptions): Promise<Set<TxResult>> {
  const watched = list.filter((r) => r.result.lower !== undefined);
  if (!options.balancesOf || watched.length === 0) return new Set();
  // Unread balances are not taken as funded: the top-up is sent again.
  const balances = await options
    .balancesOf(watched.map((r) => r.result.to))
    .catch(() => new Map<string, bigint>());
  return new Set(
    watched
      .filter((r) => {
        const now = balances.get(r.result.to.toLowerCase());
        return now !== undefined && now >= r.result.lower!;
      })
      .map((r) => r.result),
  );
}

/** Fills the nonces the node refused; withdraws what is queued behind any it could not fill. */
export async function fillRefused(
  results: TxResult[],
  refused: Refused[],
  options: SendOptions,
  link: RpcLink,
): Promise<void> {
  const gaps: Refused[] = [];
  const taken: Refused[] = [];
  for (const entry of refused) {
    const { result, message } = entry;
    result.status = 'rejected';
    result.error = `the node refused the transaction: ${message}`;
    if (classifyRefusal(message) === 'taken') {
      result.error += `; nonce ${result.nonce} is taken by another transaction of the bank, so there is no gap to fill`;
      if (IN_POOL.test(message)) taken.push(entry);
    } else {
      gaps.push(entry);
    }
  }
  if (taken.length > 0) await replaceSelfTransfers(taken, options, link);
  if (gaps.length === 0) return;

  const funded = await fundedMeanwhile(
    gaps.filter((g) => classifyRefusal(g.message) === 'transient'),
    options,
  );
  let round: Fill[] = [];
  for (const gap of gaps) {
    if (classifyRefusal(gap.message) === 'transient' && !funded.has(gap.result)) {
      round.push({ refused: gap, by: 'resent', raw: gap.raw });
    } else {
      const raw = await signSelfTransfer(gap.result, gap.result.fees ?? options.fees, options);
      if (raw !== undefined) round.push({ refused: gap, by: 'self-transfer', raw });
    }
  }
  const unfilled = new Set(gaps.map((g) => g.result));
  while (round.length > 0) {
    const answers = await broadcastAll(
      round.map((f) => f.raw),
      link,
      options.onRpcError,
    );
    const next: Fill[] = [];
    for (const [i, fill] of round.entries()) {
      const answer: Broadcast | undefined = answers[i];
      const { result } = fill.refused;
      if (answer?.kind === 'refused' || answer === undefined) {
        const why = answer?.kind === 'refused' ? answer.message : 'not sent';
        result.error += `; ${fill.by === 'resent' ? 'sent again' : 'a self-transfer at its nonce'}, refused: ${why}`;
        if (fill.by === 'resent') {
          const raw = await signSelfTransfer(result, result.fees ?? options.fees, options);
          if (raw !== undefined) next.push({ refused: fill.refused, by: 'self-transfer', raw });
        }
        continue;
      }
      // Accepted; or perhaps (the request failed as a whole): then it is watched, but what is
      // queued after it is withdrawn all the same, as if the gap were still open.
      if (answer.kind === 'accepted') unfilled.delete(result);
      if (fill.by === 'resent') {
        result.status = 'timeout';
        delete result.error;
      } else {
        result.fillHash = keccak256(fill.raw);
        result.error += `; nonce ${result.nonce} filled by the zero-value self-transfer ${result.fillHash} so the top-ups after it are not held behind a gap; the next run decides again`;
      }
      options.onFilled?.(result, fill.by);
    }
    round = next;
  }
  if (unfilled.size > 0) {
    const first = Math.min(...[...unfilled].map((r) => r.nonce));
    await withdrawAfter(first, results, options, link);
  }
}

/**
 * The gap at `hole` could not be filled: every top-up after it that the node may hold is replaced,
 * at its nonce with bumped fees, by a zero-value self-transfer, so that when anything later uses
 * `hole` (the next run), none of them can be mined as a payment the next run does not know of.
 */
async function withdrawAfter(
  hole: number,
  results: TxResult[],
  options: SendOptions,
  link: RpcLink,
): Promise<void> {
  const queued = results.filter(
    (r) => r.nonce > hole && r.status === 'timeout' && r.hash !== undefined,
  );
  const signed: Array<{ result: TxResult; raw: string; fees: FeeQuote }> = [];
  for (const result of queued) {
    const sent = result.fees ?? options.fees;
    const bump = bumpedFees(sent, sent, options.maxFeePerGas);
    const fees = bump.kind === 'replace' ? bump.fees : undefined;
    const raw = fees ? await signSelfTransfer(result, fees, options) : undefined;
    if (raw !== undefined && fees) signed.push({ result, raw, fees });
    else
      result.error = `queued behind the unfilled nonce ${hole} and not withdrawn (${bump.kind === 'capped' ? bump.reason : 'signing failed'}): it is mined when nonce ${hole} is used`;
  }
  const answers = await broadcastAll(
    signed.map((s) => s.raw),
    link,
    options.onRpcError,
  );
  for (const [i, { result, raw, fees }] of signed.entries()) {
    const answer = answers[i];
    if (answer?.kind !== 'accepted') {
      result.error = `queued behind the unfilled nonce ${hole} and its withdrawal was ${answer?.kind === 'refused' ? `refused (${answer.message})` : 'not confirmed'}: it is mined when nonce ${hole} is used`;
      continue;
    }
    result.replaced = [...(result.replaced ?? []), result.hash!];
    result.cancelHash = keccak256(raw);
    result.fees = fees;
    result.status = 'not-sent';
    result.error = `withdrawn: nonce ${hole} before it could not be filled, so the zero-value self-transfer ${result.cancelHash} replaced it at nonce ${result.nonce} and it can never be mined; the next run decides again`;
    options.onFilled?.(result, 'withdrawn');
  }
}

/** A refusal naming a transaction in the pool at the nonce (not a mined one). */
const IN_POOL = /underpriced|replace/i;

/**
 * Top-ups refused because the pool holds another transaction of the bank at their nonce: where
 * that one (read from the pending block) is a zero-value self-transfer, the top-up replaces it
 * with fees bumped above it. A payment found there, or nothing readable, is left alone.
 */
async function replaceSelfTransfers(
  taken: Refused[],
  options: SendOptions,
  link: RpcLink,
): Promise<void> {
  let transactions: Array<Record<string, unknown>>;
  let bank: string;
  try {
    bank = (await options.signer.getAddress()).toLowerCase();
    const [outcome] = await callAll({ ...link, retries: 0 }, [
      { method: 'eth_getBlockByNumber', params: ['pending', true] },
    ]);
    if (!outcome?.ok) return;
    transactions =
      (outcome.result as { transactions?: Array<Record<string, unknown>> } | null)?.transactions ??
      [];
  } catch {
    return;
  }
  const selfTransfers = new Map<number, FeeQuote>();
  for (const tx of transactions) {
    if (typeof tx !== 'object' || String(tx.from).toLowerCase() !== bank) continue;
    try {
      if (String(tx.to).toLowerCase() !== bank || quantity(tx.value, 'value') !== 0n) continue;
      selfTransfers.set(
        Number(quantity(tx.nonce, 'nonce')),
        tx.maxFeePerGas !== undefined && tx.maxFeePerGas !== null
          ? {
              type: 2,
              maxFeePerGas: quantity(tx.maxFeePerGas, 'maxFeePerGas'),
              maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas'),
            }
          : { type: 0, gasPrice: quantity(tx.gasPrice, 'gasPrice') },
      );
    } catch {
      // Unreadable: left alone.
    }
  }
  const signed: Array<{ result: TxResult; raw: string; fees: FeeQuote }> = [];
  for (const { result } of taken) {
    const theirs = selfTransfers.get(result.nonce);
    if (!theirs) continue;
    const bump = bumpedFees(theirs, result.fees ?? options.fees, options.maxFeePerGas);
    if (bump.kind !== 'replace') continue;
    try {
      const raw = await options.signer.signTransaction(
        unsignedTransfer(result, options.chainId, bump.fees),
      );
      signed.push({ result, raw, fees: bump.fees });
    } catch {
      // Stays refused.
    }
  }
  const answers = await broadcastAll(
    signed.map((s) => s.raw),
    link,
    options.onRpcError,
  );
  for (const [i, { result, raw, fees }] of signed.entries()) {
    if (answers[i]?.kind !== 'accepted') continue;
    result.status = 'timeout';
    result.hash = keccak256(raw);
    result.fees = fees;
    delete result.error;
    options.onFilled?.(result, 'replaced-self-transfer');
  }
}
