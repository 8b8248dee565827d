import { callAll, type RpcLink } from '../rpc/batch.js';
import {
  baseOf,
  inState,
  resultOf,
  withMoved,
  type Attempt,
  type AttemptIn,
  type Attempts,
} from './attempt.js';
import { broadcastAll } from './broadcast.js';
import { bumpedFees } from './gas.js';
import { quantity } from '../rpc/rpc.js';
import { intentRefused } from './intent.js';
import type { SendOptions } from './options.js';
import { signSelfTransfer, signTransfer } from './sign.js';
import { classifyRefusal } from './transactions.js';
import type { FeeQuote } from '../types.js';

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

type Refused = AttemptIn<'refused'>;

/** How a refused nonce is being filled this round, and with what bytes. */
interface Fill {
  gap: Refused;
  by: 'resent' | 'self-transfer';
  raw: string;
  hash: string;
}

/** A refusal naming a transaction in the pool at the nonce (not a mined one). */
const IN_POOL = /underpriced|replace/i;

/** Nonces of refused top-ups whose recipients are known to be at or above their lower bound now. */
async function fundedMeanwhile(list: Refused[], options: SendOptions): Promise<Set<number>> {
  const watched = list.filter((r) => r.transfer.lower !== undefined);
  if (!options.balancesOf || watched.length === 0) return new Set();
  // Unread balances are not taken as funded: the top-up is sent again.
  const balances = await options
    .balancesOf(watched.map((r) => r.transfer.to))
    .catch(() => new Map<string, bigint>());
  return new Set(
    watched
      .filter((r) => {
        const now = balances.get(r.transfer.to.toLowerCase());
        const lower = r.transfer.lower;
        return now !== undefined && lower !== undefined && now >= lower;
      })
      .map((r) => r.nonce),
  );
}

/** A refused top-up that pays no one: `rejected`, with what was done about its nonce. */
function rejected(gap: Refused, notes: readonly string[], fillHash?: string): Attempt {
  return {
    ...baseOf(gap, notes),
    state: 'failed',
    status: 'rejected',
    hash: gap.hash,
    ...(fillHash !== undefined ? { fillHash } : {}),
  };
}

/**
 * Fills the nonces the node refused and withdraws what is queued behind any it could not fill;
 * returns the attempts with every refused one moved on (to `broadcast` or `failed`).
 */
export async function fillRefused(
  attempts: Attempts,
  options: SendOptions,
  link: RpcLink,
): Promise<Attempts> {
  const refused = inState(attempts, 'refused');
  if (refused.length === 0) return attempts;
  const notes = new Map<number, string[]>(
    refused.map((r) => [r.nonce, [`the node refused the transaction: ${r.message}`]]),
  );
  const noted = (nonce: number) => notes.get(nonce) ?? [];
  const taken = refused.filter((r) => classifyRefusal(r.message) === 'taken');
  const gaps = refused.filter((r) => classifyRefusal(r.message) !== 'taken');
  const moved: Attempt[] = taken.map((r) =>
    rejected(r, [
      ...noted(r.nonce),
      `nonce ${r.nonce} is taken by another transaction of the bank, so there is no gap to fill`,
    ]),
  );
  moved.push(
    ...(await replaceSelfTransfers(
      taken.filter((r) => IN_POOL.test(r.message)),
      options,
      link,
    )),
  );
  if (gaps.length === 0) return withMoved(attempts, moved);

  const funded = await fundedMeanwhile(
    gaps.filter((g) => classifyRefusal(g.message) === 'transient'),
    options,
  );
  const selfFill = async (gap: Refused): Promise<Fill | undefined> => {
    const signed = await signSelfTransfer(gap.nonce, gap.fees, options);
    if (signed.ok) return { gap, by: 'self-transfer', raw: signed.raw, hash: signed.hash };
    noted(gap.nonce).push(`a self-transfer to fill its nonce could not be signed: ${signed.error}`);
    return undefined;
  };
  let round: Fill[] = [];
  for (const gap of gaps) {
    if (classifyRefusal(gap.message) === 'transient' && !funded.has(gap.nonce)) {
      round.push({ gap, by: 'resent', raw: gap.raw, hash: gap.hash });
    } else {
      const fill = await selfFill(gap);
      if (fill) round.push(fill);
    }
  }
  const unfilled = new Set(gaps.map((g) => g.nonce));
  const filled = new Map<number, Attempt>();
  while (round.length > 0) {
    const answers = await broadcastAll(
      new Map(round.map((f) => [f.gap.nonce, f.raw])),
      link,
      options.onRpcError,
    );
    const next: Fill[] = [];
    for (const fill of round) {
      const { gap, by } = fill;
      const answer = answers.get(gap.nonce);
      if (answer?.kind === 'refused' || answer === undefined) {
        const why = answer?.kind === 'refused' ? answer.message : 'not sent';
        noted(gap.nonce).push(
          `${by === 'resent' ? 'sent again' : 'a self-transfer at its nonce'}, refused: ${why}`,
        );
        const again = by === 'resent' ? await selfFill(gap) : undefined;
        if (again) next.push(again);
        continue;
      }
      // Accepted; or perhaps (the request failed as a whole): then it is watched, but what is
      // queued after it is withdrawn all the same, as if the gap were still open.
      if (answer.kind === 'accepted') unfilled.delete(gap.nonce);
      const attempt: Attempt =
        by === 'resent'
          ? { ...baseOf(gap, []), state: 'broadcast', hash: gap.hash, replaced: [] }
          : rejected(
              gap,
              [
                ...noted(gap.nonce),
                `nonce ${gap.nonce} filled by the zero-value self-transfer ${fill.hash} so the top-ups after it are not held behind a gap; the next run decides again`,
              ],
              fill.hash,
            );
      filled.set(gap.nonce, attempt);
      options.onFilled?.(resultOf(attempt), by);
    }
    round = next;
  }
  moved.push(...gaps.map((g) => filled.get(g.nonce) ?? rejected(g, noted(g.nonce))));
  const after = withMoved(attempts, moved);
  if (unfilled.size === 0) return after;
  return withMoved(after, await withdrawAfter(Math.min(...unfilled), after, options, link));
}

/**
 * The gap at `hole` could not be filled: every top-up after it that the node may hold is replaced,
 * at its nonce with bumped fees, by a zero-value self-transfer, so that when anything later uses
 * `hole` (the next run), none of them can be mined as a payment the next run does not know of.
 */
async function withdrawAfter(
  hole: number,
  attempts: Attempts,
  options: SendOptions,
  link: RpcLink,
): Promise<Attempt[]> {
  const queued = inState(attempts, 'broadcast').filter((a) => a.nonce > hole);
  const moved: Attempt[] = [];
  const stays = (a: AttemptIn<'broadcast'>, why: string): Attempt => ({
    ...a,
    notes: [
      `queued behind the unfilled nonce ${hole} and ${why}: it is mined when nonce ${hole} is used`,
    ],
  });
  const signed = new Map<
    number,
    { attempt: AttemptIn<'broadcast'>; raw: string; hash: string; fees: FeeQuote }
  >();
  for (const attempt of queued) {
    const bump = bumpedFees(attempt.fees, attempt.fees, options.maxFeePerGas);
    const cancel =
      bump.kind === 'replace'
        ? await signSelfTransfer(attempt.nonce, bump.fees, options)
        : undefined;
    if (bump.kind === 'replace' && cancel?.ok) {
      signed.set(attempt.nonce, { attempt, raw: cancel.raw, hash: cancel.hash, fees: bump.fees });
    } else {
      const why = bump.kind === 'capped' ? bump.reason : 'signing failed';
      moved.push(stays(attempt, `not withdrawn (${why})`));
    }
  }
  const answers = await broadcastAll(
    new Map([...signed].map(([nonce, s]) => [nonce, s.raw])),
    link,
    options.onRpcError,
  );
  for (const [nonce, { attempt, hash, fees }] of signed) {
    const answer = answers.get(nonce);
    if (answer?.kind !== 'accepted') {
      const how = answer?.kind === 'refused' ? `refused (${answer.message})` : 'not confirmed';
      moved.push(stays(attempt, `its withdrawal was ${how}`));
      continue;
    }
    const withdrawn: Attempt = {
      ...baseOf(attempt, [
        `withdrawn: nonce ${hole} before it could not be filled, so the zero-value self-transfer ${hash} replaced it at nonce ${nonce} and it can never be mined; the next run decides again`,
      ]),
      fees,
      state: 'failed',
      status: 'not-sent',
      hash: attempt.hash,
      replaced: [...attempt.replaced, attempt.hash],
      cancelHash: hash,
    };
    moved.push(withdrawn);
    options.onFilled?.(resultOf(withdrawn), 'withdrawn');
  }
  return moved;
}

/** Fees of the bank's zero-value self-transfers in the pending block, by nonce. */
async function pendingSelfTransfers(
  options: SendOptions,
  link: RpcLink,
): Promise<Map<number, FeeQuote>> {
  const found = new Map<number, FeeQuote>();
  let transactions: Array<Record<string, unknown>>;
  let bank: string;
  try {
    bank = (await options.signer.getAddress()).toLowerCase();
    const [outcome] = await callAll({ ...link, retries: 0 }, [
      { method: 'eth_getBlockByNumber', params: ['pending', true] },
    ]);
    if (!outcome?.ok) return found;
    transactions =
      (outcome.result as { transactions?: Array<Record<string, unknown>> } | null)?.transactions ??
      [];
  } catch {
    return found;
  }
  for (const tx of transactions) {
    if (typeof tx !== 'object' || String(tx.from).toLowerCase() !== bank) continue;
    try {
      if (String(tx.to).toLowerCase() !== bank || quantity(tx.value, 'value') !== 0n) continue;
      found.set(
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
  return found;
}

/**
 * Top-ups refused because the pool holds another transaction of the bank at their nonce: where
 * that one (read from the pending block) is a zero-value self-transfer, the top-up replaces it
 * with fees bumped above it. A payment found there, or nothing readable, is left alone. Returns
 * the top-ups now broadcast.
 */
async function replaceSelfTransfers(
  taken: Refused[],
  options: SendOptions,
  link: RpcLink,
): Promise<Attempt[]> {
  if (taken.length === 0) return [];
  const selfTransfers = await pendingSelfTransfers(options, link);
  const signed = new Map<number, { raw: string; version: Attempt }>();
  for (const attempt of taken) {
    const theirs = selfTransfers.get(attempt.nonce);
    if (!theirs) continue;
    const bump = bumpedFees(theirs, attempt.fees, options.maxFeePerGas);
    if (bump.kind !== 'replace') continue;
    const over = await signTransfer(attempt, bump.fees, options);
    // Not signed, or its ledger intent refused: it stays refused.
    if (!over.ok) continue;
    const version: Attempt = {
      ...baseOf(attempt, []),
      fees: bump.fees,
      state: 'broadcast',
      hash: over.hash,
      replaced: [],
    };
    if (await intentRefused(version, options)) continue;
    signed.set(attempt.nonce, { raw: over.raw, version });
  }
  const answers = await broadcastAll(
    new Map([...signed].map(([nonce, s]) => [nonce, s.raw])),
    link,
    options.onRpcError,
  );
  const moved: Attempt[] = [];
  for (const [nonce, { version }] of signed) {
    if (answers.get(nonce)?.kind !== 'accepted') continue;
    moved.push(version);
    options.onFilled?.(resultOf(version), 'replaced-self-transfer');
  }
  return moved;
}
