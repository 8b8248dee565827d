import type { RpcOutcome } from '../rpc/rpc.js';
import type { ChainSweep, FeeQuote, GasEstimate } from '../types.js';

/**
 * Gas per recipient and fee bumps, as pure functions over what the chain answered.
 *
 * Why estimating is also the memory of unfundable recipients: the Keymaster keeps no state of its
 * own, and the chain already holds what decides whether a transfer can land: the recipient's code
 * and storage. Each run asks the chain (`eth_estimateGas` from the bank, with the very amount,
 * one batch per chain) before it signs anything; a recipient whose transfer would revert fails
 * that call and is `unfundable`, with the node's reason, without a transaction and so without a
 * fee. It stays so exactly as long as the chain says so: change its code (or the thresholds, so
 * the amount changes) and the next run's estimate passes and it is paid. The gas limit is the
 * estimate with a fifth more for headroom (a plain transfer stays at 21,000), under the network's
 * ceiling; a recipient that needs more than the ceiling is unfundable too.
 */

/** Gas of a plain value transfer to an account without code (agent keys are EOAs). */
export const TRANSFER_GAS = 21_000n;
/** The same, by the name the estimate reads it. */
export const PLAIN_TRANSFER_GAS = TRANSFER_GAS;
/** Tip when the node cannot suggest one (ethers uses the same default). */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/**
 * EIP-1559 when the configuration says so, or, when it is silent, when the latest block has a
 * base fee; legacy otherwise. Max fee = 2 × base fee + tip: valid through six full blocks of
 * base-fee increases. Undefined when the chain gave nothing to price with.
 */
export function quoteFees(sweep: ChainSweep, eip1559?: boolean): FeeQuote | undefined {
  const use1559 = eip1559 ?? sweep.baseFeePerGas !== undefined;
  if (use1559) {
    const base = sweep.baseFeePerGas ?? sweep.gasPrice;
    if (base === undefined) return undefined;
    const tip = sweep.maxPriorityFeePerGas ?? DEFAULT_PRIORITY_FEE;
    return { type: 2, maxFeePerGas: 2n * base + tip, maxPriorityFeePerGas: tip };
  }
  if (sweep.gasPrice === undefined) return undefined;
  return { type: 0, gasPrice: sweep.gasPrice };
}

/** The most one transfer can cost in fees at this quote (a plain transfer unless `gas` is given). */
export function maxFeePerTransfer(quote: FeeQuote, gas: bigint = TRANSFER_GAS): bigint {
  return gas * (quote.type === 2 ? quote.maxFeePerGas : quote.gasPrice);
}

const INSUFFICIENT_FUNDS = /insufficient funds|exceeds balance|not enough funds/i;

/** Reads one `eth_estimateGas` answer for a transfer under `ceiling` gas. */
export function readEstimate(outcome: RpcOutcome | undefined, ceiling: bigint): GasEstimate {
  if (!outcome) return { kind: 'unknown', reason: 'no answer to eth_estimateGas' };
  if (!outcome.ok) {
    if (outcome.missing || INSUFFICIENT_FUNDS.test(outcome.message)) {
      return { kind: 'unknown', reason: `eth_estimateGas failed: ${outcome.message}` };
    }
    return {
      kind: 'unfundable',
      reason: `a transfer to it would revert (eth_estimateGas: ${outcome.message.slice(0, 200)})`,
    };
  }
  if (typeof outcome.result !== 'string' || !/^0x[0-9a-fA-F]+$/.test(outcome.result)) {
    return { kind: 'unknown', reason: 'eth_estimateGas answered something that is not a quantity' };
  }
  const estimate = BigInt(outcome.result);
  if (estimate > ceiling) {
    return {
      kind: 'unfundable',
      reason: `a transfer to it needs ${estimate} gas, above this network's ceiling of ${ceiling} (keymaster.networks.<network>.gas.maxPerTransfer)`,
    };
  }
  if (estimate <= PLAIN_TRANSFER_GAS) return { kind: 'ok', gasLimit: PLAIN_TRANSFER_GAS, estimate };
  const padded = (estimate * 6n + 4n) / 5n;
  return { kind: 'ok', gasLimit: padded > ceiling ? ceiling : padded, estimate };
}

/** The highest price per gas a transfer at this quote may pay. */
export function maxPricePerGas(quote: FeeQuote): bigint {
  return quote.type === 2 ? quote.maxFeePerGas : quote.gasPrice;
}

/** ⌈value × 9/8⌉: +12.5 %, above both replacement rules nodes enforce (geth 10 %, others 12.5 %). */
function bumped(value: bigint): bigint {
  return (value * 9n + 7n) / 8n;
}

export type Replacement =
  { kind: 'replace'; fees: FeeQuote } | { kind: 'keep' } | { kind: 'capped'; reason: string };

/**
 * The fees of a replacement for a transaction sent at `sent`, now that the chain asks `current`:
 * `keep` while it still bids at least what the chain asks (it is waiting its turn, not priced out);
 * else each fee raised by at least 12.5 % and to at least the current quote, under `cap` (wei per
 * gas). `capped` when the cap leaves no room for a valid bump.
 */
export function replacementFees(sent: FeeQuote, current: FeeQuote, cap?: bigint): Replacement {
  if (maxPricePerGas(sent) >= maxPricePerGas(current) && sent.type === current.type) {
    return { kind: 'keep' };
  }
  return bumpedFees(sent, current, cap);
}

/**
 * Fees a node takes to replace a transaction sent at `sent` (each raised by at least 12.5 %), and
 * at least `current` (default: `sent`), under `cap`; `capped` when the cap leaves no room.
 */
export function bumpedFees(
  sent: FeeQuote,
  current: FeeQuote = sent,
  cap?: bigint,
): Exclude<Replacement, { kind: 'keep' }> {
  const capped = (need: bigint): bigint | undefined =>
    cap === undefined || need <= cap ? need : undefined;
  if (sent.type === 2) {
    const tipNow = current.type === 2 ? current.maxPriorityFeePerGas : sent.maxPriorityFeePerGas;
    const feeNow = maxPricePerGas(current);
    const maxFee = bumped(sent.maxFeePerGas) > feeNow ? bumped(sent.maxFeePerGas) : feeNow;
    const tipWanted = bumped(sent.maxPriorityFeePerGas);
    const tip = tipWanted > tipNow ? tipWanted : tipNow;
    const fee = capped(maxFee);
    if (fee === undefined) {
      return {
        kind: 'capped',
        reason: `a replacement needs ${maxFee} wei per gas, above the cap of ${cap} (gas.maxFeePerGasGwei)`,
      };
    }
    return {
      kind: 'replace',
      fees: { type: 2, maxFeePerGas: fee, maxPriorityFeePerGas: tip > fee ? fee : tip },
    };
  }
  const priceNow = maxPricePerGas(current);
  const wanted = bumped(sent.gasPrice) > priceNow ? bumped(sent.gasPrice) : priceNow;
  const price = capped(wanted);
  if (price === undefined) {
    return {
      kind: 'capped',
      reason: `a replacement needs ${wanted} wei per gas, above the cap of ${cap} (gas.maxFeePerGasGwei)`,
    };
  }
  return { kind: 'replace', fees: { type: 0, gasPrice: price } };
}

/** A quote lowered to the cap (wei per gas), when the chain asks more than the file allows. */
export function capQuote(quote: FeeQuote, cap: bigint | undefined): FeeQuote {
  if (cap === undefined) return quote;
  if (quote.type === 0) return quote.gasPrice > cap ? { type: 0, gasPrice: cap } : quote;
  if (quote.maxFeePerGas <= cap) return quote;
  return {
    type: 2,
    maxFeePerGas: cap,
    maxPriorityFeePerGas: quote.maxPriorityFeePerGas > cap ? cap : quote.maxPriorityFeePerGas,
  };
}
