import { maxFeePerTransfer } from '../send/gas.js';
import type { BalanceReading, FeeQuote, GasEstimate } from '../types.js';

/**
 * A bank rotation's money, decided (issue 26 item 2). Pure: what the old bank holds on a chain,
 * what a transfer costs there and whether one would land, in; what to do on that chain out.
 *
 * The old bank sends its whole balance less the most its transfer can cost (gas limit × max fee
 * per gas), so the transfer never fails for want of funds; what the chain charges below that
 * maximum stays behind as dust smaller than one transfer's fee, which no transfer could move. A
 * chain is `swept` when the old bank holds less than one transfer's fee and has nothing in
 * flight; the alias moves only when every chain is swept.
 */

/** What the run read of the old bank on one chain. */
export interface OldBankReading {
  network: string;
  /** At the pending block: transfers in flight are already deducted. */
  balance: BalanceReading;
  /** Why the old bank's transactions in flight keep this chain waiting (pending nonce ahead). */
  busy?: string | undefined;
  /** The fees the chain asks now (capped by the network's `gas.maxFeePerGas`); undefined unread. */
  fees?: FeeQuote | undefined;
  /** `eth_estimateGas` of the transfer to the new bank; undefined when not asked. */
  gas?: GasEstimate | undefined;
}

export type SweepVerdict =
  /** Send `amount` to the new bank with this gas limit; `fee` is the most it can cost. */
  | { kind: 'sweep'; network: string; amount: bigint; fee: bigint; gasLimit: bigint }
  /** Less than one transfer's fee left and nothing in flight: nothing more can move. */
  | { kind: 'swept'; network: string; balance: bigint; fee: bigint }
  /** Not now: the reason says what the run waits for; the money stays on the old bank. */
  | { kind: 'wait'; network: string; reason: string; failed: boolean };

/** The fee of one plain transfer at these fees: the line between "dust" and "something to move". */
export function sweepThreshold(fees: FeeQuote): bigint {
  return maxFeePerTransfer(fees);
}

/**
 * What to do on one chain. `gas` is needed only when there is something to move: without it the
 * verdict is `wait` with `needsGas`, so the caller asks the chain and decides again.
 */
export function decideSweep(
  reading: OldBankReading,
): SweepVerdict | { kind: 'estimate'; network: string; amount: bigint } {
  const { network } = reading;
  const wait = (reason: string, failed = true): SweepVerdict => ({
    kind: 'wait',
    network,
    reason,
    failed,
  });
  if (reading.busy) return wait(reading.busy, false);
  if (!reading.balance.known) {
    return wait(`the old bank's balance could not be read (${reading.balance.reason})`);
  }
  if (!reading.fees) return wait('the chain gave no fees to price the transfer with');
  const balance = reading.balance.wei;
  const plainFee = sweepThreshold(reading.fees);
  if (balance < plainFee) return { kind: 'swept', network, balance, fee: plainFee };
  if (!reading.gas) return { kind: 'estimate', network, amount: balance - plainFee };
  if (reading.gas.kind !== 'ok') {
    return wait(`the transfer to the new bank would not land: ${reading.gas.reason}`);
  }
  const gasLimit = reading.gas.gasLimit;
  const fee = maxFeePerTransfer(reading.fees, gasLimit);
  // A recipient needing more gas than a plain transfer can make the fee exceed what is left.
  if (balance <= fee) {
    return wait(
      `the old bank holds ${balance} wei, which does not cover the ${fee} wei fee of the transfer to the new bank; top it up or lower gas.maxFeePerGas`,
    );
  }
  return { kind: 'sweep', network, amount: balance - fee, fee, gasLimit };
}

/** Whether the alias may move: every chain swept; otherwise the chains still holding money. */
export function aliasMayMove(
  verdicts: readonly SweepVerdict[],
  expected: readonly string[],
): { ready: true } | { ready: false; waiting: string[] } {
  const swept = new Set(verdicts.filter((v) => v.kind === 'swept').map((v) => v.network));
  const waiting = expected.filter((n) => !swept.has(n));
  return waiting.length === 0 ? { ready: true } : { ready: false, waiting };
}
