import { OperationError } from '../../errors.js';
import { TRANSFER_GAS } from './gas.js';
import type { FeeQuote, Transfer, TxResult, TxStatus } from '../types.js';

/**
 * A top-up's attempt at its nonce, as a value. The send path (send.ts, broadcast.ts, gap.ts,
 * receipts.ts) keeps one attempt per nonce in a map keyed by nonce; each step takes the map and
 * returns the attempts it moved, never changing one in place. The states:
 *
 *     planned → signed → broadcast → mined
 *                  │         ├─────→ unknown   (not mined within the receipt timeout: it may be)
 *                  │         └─────→ failed    (withdrawn: a self-transfer replaced it at its nonce)
 *                  ├────→ refused → broadcast  (sent again, or put over a self-transfer)
 *                  │         └────→ failed     (its nonce filled by a self-transfer, or taken)
 *                  └────→ failed               (not sent: an earlier broadcast was not confirmed)
 *     planned → failed (not signed, or not sent: behind a nonce that could not be used)
 *
 * (`TRANSITIONS` below; a broadcast attempt also moves to itself: replaced with bumped fees, or
 * noted.) `withMoved` refuses any other move, so a step cannot, say, send a failed nonce again.
 *
 * A transfer is only ever paid at its nonce: every version of an attempt (a replacement with
 * bumped fees, a cancel) shares it, so whichever is mined, the others never can be.
 */

export interface AttemptBase {
  readonly network: string;
  readonly chainId: number;
  readonly nonce: number;
  readonly transfer: Transfer;
  /** The fees it was (last) signed with; the quote while planned. */
  readonly fees: FeeQuote;
  /** What went wrong or was done about it, oldest first (a result's `error`). */
  readonly notes: readonly string[];
}

/** Versions of a sent attempt: the current one, the ones it replaced, its cancel if any. */
interface Versions {
  readonly hash: string;
  /** Earlier transactions at the same nonce it replaced (any of them may still be mined). */
  readonly replaced: readonly string[];
  /** The zero-value self-transfer that cancels or withdraws it, when one was sent. */
  readonly cancelHash?: string;
}

export interface Receipt {
  readonly status: 'mined' | 'reverted' | 'cancelled';
  readonly blockNumber: number;
  readonly gasUsed?: bigint;
  readonly effectiveGasPrice?: bigint;
  readonly fee?: bigint;
}

export type Attempt =
  | (AttemptBase & { readonly state: 'planned' })
  | (AttemptBase & { readonly state: 'signed'; readonly raw: string; readonly hash: string })
  /** In the node's pool, or perhaps (the request failed as a whole): watched for a receipt. */
  | (AttemptBase & Versions & { readonly state: 'broadcast' })
  /** The node refused the payment's bytes (`raw`): gap.ts decides what fills the nonce. */
  | (AttemptBase & {
      readonly state: 'refused';
      readonly raw: string;
      readonly hash: string;
      readonly message: string;
    })
  | (AttemptBase & Versions & { readonly state: 'mined'; readonly receipt: Receipt })
  /** Broadcast and not mined within the receipt timeout: it may still be. */
  | (AttemptBase & Versions & { readonly state: 'unknown' })
  /** Nothing of it pays: never signed or sent, refused, or withdrawn. */
  | (AttemptBase &
      Partial<Versions> & {
        readonly state: 'failed';
        readonly status: 'rejected' | 'not-signed' | 'not-sent';
        /** The zero-value self-transfer that filled its nonce. */
        readonly fillHash?: string;
      });

export type AttemptState = Attempt['state'];
export type AttemptIn<S extends AttemptState> = Extract<Attempt, { state: S }>;
/** Attempts keyed by nonce. */
export type Attempts = ReadonlyMap<number, Attempt>;

/** The planned attempts of transfers, at nonces counting up from `startNonce`. */
export function planAttempts(input: {
  network: string;
  chainId: number;
  startNonce: number;
  fees: FeeQuote;
  transfers: readonly Transfer[];
}): Attempts {
  return new Map(
    input.transfers.map((transfer, i) => {
      const nonce = input.startNonce + i;
      const attempt: Attempt = {
        state: 'planned',
        network: input.network,
        chainId: input.chainId,
        nonce,
        transfer,
        fees: input.fees,
        notes: [],
      };
      return [nonce, attempt];
    }),
  );
}

/** What every state of an attempt carries, with `notes` replaced when given. */
export function baseOf(attempt: Attempt, notes: readonly string[] = attempt.notes): AttemptBase {
  const { network, chainId, nonce, transfer, fees } = attempt;
  return { network, chainId, nonce, transfer, fees, notes };
}

/** The attempts in `state`, in nonce order. */
export function inState<S extends AttemptState>(attempts: Attempts, state: S): AttemptIn<S>[] {
  return [...attempts.values()]
    .filter((a): a is AttemptIn<S> => a.state === state)
    .sort((a, b) => a.nonce - b.nonce);
}

/** The states each state may move to; mined, unknown and failed are final. */
export const TRANSITIONS: Readonly<Record<AttemptState, readonly AttemptState[]>> = {
  planned: ['signed', 'failed'],
  signed: ['broadcast', 'refused', 'failed'],
  refused: ['broadcast', 'failed'],
  broadcast: ['broadcast', 'mined', 'unknown', 'failed'],
  mined: [],
  unknown: [],
  failed: [],
};

/**
 * `attempts` with `moved` put in their nonces' places (a new map). Each move is checked against
 * the attempt's state in `attempts` (a step may move a nonce twice, e.g. refused → failed, then
 * refused → broadcast: the later wins); a move `TRANSITIONS` does not allow is a bug of the send
 * path and throws rather than, say, sending a failed nonce again.
 */
export function withMoved(attempts: Attempts, moved: Iterable<Attempt>): Attempts {
  const next = new Map(attempts);
  for (const attempt of moved) {
    const from = attempts.get(attempt.nonce)?.state;
    if (from === undefined || !TRANSITIONS[from].includes(attempt.state)) {
      throw new OperationError(
        `the send path moved nonce ${attempt.nonce} from ${from ?? 'nowhere'} to ${attempt.state}, which no step may do; this is a bug: please report it`,
      );
    }
    next.set(attempt.nonce, attempt);
  }
  return next;
}

/** The hash the result reports: the version mined, the current one, or the payment as signed. */
function hashOf(attempt: Attempt): string | undefined {
  return 'hash' in attempt && typeof attempt.hash === 'string' ? attempt.hash : undefined;
}

function statusOf(attempt: Attempt): TxStatus {
  switch (attempt.state) {
    case 'mined':
      return attempt.receipt.status;
    case 'failed':
      return attempt.status;
    case 'refused':
      return 'rejected';
    default:
      return 'timeout';
  }
}

/** The result reported for an attempt (what the ledger, metrics and summaries read). */
export function resultOf(attempt: Attempt): TxResult {
  const hash = hashOf(attempt);
  const receipt = attempt.state === 'mined' ? attempt.receipt : undefined;
  const replaced = 'replaced' in attempt ? attempt.replaced : undefined;
  const cancelHash = 'cancelHash' in attempt ? attempt.cancelHash : undefined;
  const fillHash = attempt.state === 'failed' ? attempt.fillHash : undefined;
  const { transfer } = attempt;
  return {
    network: attempt.network,
    chainId: attempt.chainId,
    to: transfer.to,
    amount: transfer.amount,
    nonce: attempt.nonce,
    status: statusOf(attempt),
    gasLimit: transfer.gasLimit ?? TRANSFER_GAS,
    fees: attempt.fees,
    ...(hash !== undefined ? { hash } : {}),
    ...(receipt ? { blockNumber: receipt.blockNumber } : {}),
    ...(receipt?.gasUsed !== undefined ? { gasUsed: receipt.gasUsed } : {}),
    ...(receipt?.effectiveGasPrice !== undefined
      ? { effectiveGasPrice: receipt.effectiveGasPrice }
      : {}),
    ...(receipt?.fee !== undefined ? { fee: receipt.fee } : {}),
    ...(attempt.notes.length > 0 ? { error: attempt.notes.join('; ') } : {}),
    ...(replaced && replaced.length > 0 ? { replaced: [...replaced] } : {}),
    ...(cancelHash !== undefined ? { cancelHash } : {}),
    ...(fillHash !== undefined ? { fillHash } : {}),
    ...(transfer.lower !== undefined ? { lower: transfer.lower } : {}),
  };
}

/** The results of the attempts, in nonce order. */
export function resultsOf(attempts: Attempts): TxResult[] {
  return [...attempts.values()].sort((a, b) => a.nonce - b.nonce).map(resultOf);
}
