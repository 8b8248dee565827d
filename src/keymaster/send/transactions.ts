import type { TransactionRequest } from 'ethers';
import { TRANSFER_GAS } from './gas.js';
import type { FeeQuote, Transfer } from '../types.js';

/**
 * The transactions the Keymaster signs (a top-up; a zero-value self-transfer that fills or cancels
 * a nonce) and what a node's refusal of one means. Pure: no signing, no I/O.
 */

/** A node refusing a transaction it already holds (ours, sent again): it is in flight. */
export const ALREADY_KNOWN = /already known|known transaction|alreadyknown|already imported/i;

/**
 * What a refusal says about the nonce:
 * - `taken`: another transaction of the bank holds the nonce (mined: "nonce too low"; in the
 *   pool: a replacement "underpriced"). There is no gap, and nothing to fill.
 * - `transient`: the node may take the very same transaction a moment later (a full pool, rate
 *   limits): worth sending again.
 * - `final`: anything else (too little gas, a fee or gas limit the node does not accept, funds):
 *   the same bytes will be refused again.
 */
export type Refusal = 'taken' | 'transient' | 'final';

const TAKEN =
  /nonce too low|nonce has already been used|already been mined|replacement transaction underpriced|replacement fee too low|replacement.*underpriced|could not replace existing/i;
const TRANSIENT =
  /pool is full|txpool is full|too many|rate limit|limit exceeded|try again|temporar|overloaded|busy|timed? ?out/i;

export function classifyRefusal(message: string): Refusal {
  if (TAKEN.test(message)) return 'taken';
  if (TRANSIENT.test(message)) return 'transient';
  return 'final';
}

function feeFields(fees: FeeQuote) {
  return fees.type === 2
    ? { type: 2, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
    : { type: 0, gasPrice: fees.gasPrice };
}

/** A transfer at `nonce`, with these fees. */
export function unsignedTransfer(
  transfer: Transfer,
  nonce: number,
  chainId: number,
  fees: FeeQuote,
): TransactionRequest {
  return {
    to: transfer.to,
    value: transfer.amount,
    nonce,
    chainId,
    gasLimit: transfer.gasLimit ?? TRANSFER_GAS,
    ...feeFields(fees),
  };
}

/**
 * A zero-value transfer from the bank to itself at `nonce`: it moves nothing and costs one plain
 * transfer's fee, and whichever of it and another transaction at the nonce is mined, the other
 * never can be.
 */
export function selfTransfer(
  bank: string,
  nonce: number,
  chainId: number,
  fees: FeeQuote,
): TransactionRequest {
  return { to: bank, value: 0n, nonce, chainId, gasLimit: TRANSFER_GAS, ...feeFields(fees) };
}
