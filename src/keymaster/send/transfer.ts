import { errorMessage } from '../../errors.js';
import { callNamed, type RpcLink } from '../rpc/batch.js';
import { maxPricePerGas, readEstimate, TRANSFER_GAS } from './gas.js';
import { sendTopUps } from './send.js';
import type { SendOptions } from './options.js';
import type { FeeQuote, GasEstimate, TxResult } from '../types.js';

/**
 * One transfer of everything a sender can spare, less its own fee: for moving a balance away
 * (the old bank's to the new bank in a bank rotation). The fee is estimated first, from the chain
 * (`eth_estimateGas` from the sender with the very amount), and the transfer is never signed when
 * the chain says it would fail or cannot tell: no fee is paid for a transfer known to fail. Sent
 * like a top-up (sendTopUps: at the given nonce, replaced there with bumped fees when stuck, never
 * a second payment at a new nonce), so the receipt, the ledger intent and the crash story are the
 * same.
 */

export interface SendTransferInput extends Omit<
  SendOptions,
  'transfers' | 'rpcUrl' | 'maxBatchSize' | 'noBatches'
> {
  /** The link to the chain (the sweep's: its learned batch size and timeouts). */
  link: RpcLink;
  /** The sender's address (the signer's). */
  from: string;
  to: string;
  /** Wei that may leave the sender, fee included (its balance less whatever must stay). */
  available: bigint;
  /** Most gas the transfer may use (the network's `gas.maxPerTransfer`). */
  maxGas: bigint;
}

export type TransferOutcome =
  /** Sent: `amount` = available − `maxFee` (the fee at the gas limit and the quote's top price). */
  | { kind: 'sent'; amount: bigint; maxFee: bigint; result: TxResult }
  /** Nothing signed, nothing paid: why. */
  | { kind: 'not-sent'; reason: string };

/** The amount that `available` leaves after the fee of `gasLimit` gas at `fees`. */
export function amountLessFee(
  available: bigint,
  gasLimit: bigint,
  fees: FeeQuote,
): { amount: bigint; maxFee: bigint } {
  const maxFee = gasLimit * maxPricePerGas(fees);
  return { amount: available - maxFee, maxFee };
}

/** The chain's gas estimate for sending `amount` (see gas.ts: a revert is `unfundable`). */
async function estimate(input: SendTransferInput, amount: bigint): Promise<GasEstimate> {
  const { from, to } = input;
  try {
    const answers = await callNamed(input.link, [
      {
        name: 'estimate',
        call: {
          method: 'eth_estimateGas',
          params: [{ from, to, value: `0x${amount.toString(16)}` }],
        },
      },
    ]);
    const estimate = readEstimate(answers.get('estimate'), input.maxGas);
    if (estimate.kind === 'unknown') input.onRpcError?.('eth_estimateGas');
    return estimate;
  } catch (error) {
    input.onRpcError?.('eth_estimateGas');
    return { kind: 'unknown', reason: `eth_estimateGas failed: ${errorMessage(error)}` };
  }
}

/** Sends `available` less the transfer's fee from the signer to `to`, unless it would fail. */
export async function sendTransfer(input: SendTransferInput): Promise<TransferOutcome> {
  const notSent = (why: string): TransferOutcome => ({
    kind: 'not-sent',
    reason: `nothing sent to ${input.to} on ${input.network}: ${why}`,
  });
  // The most a plain transfer could move; a recipient with code needs more gas, so less.
  const plain = amountLessFee(input.available, TRANSFER_GAS, input.fees);
  if (plain.amount <= 0n) {
    return notSent(`${input.available} wei does not cover the fee of ${plain.maxFee} wei`);
  }
  const first = await estimate(input, plain.amount);
  if (first.kind !== 'ok') return notSent(first.reason);
  const { amount, maxFee } = amountLessFee(input.available, first.gasLimit, input.fees);
  if (amount <= 0n) {
    return notSent(`${input.available} wei does not cover the fee of ${maxFee} wei`);
  }
  if (amount !== plain.amount) {
    // The amount changed with the fee: the chain is asked again about the very amount sent.
    const again = await estimate(input, amount);
    if (again.kind !== 'ok') return notSent(again.reason);
    if (again.gasLimit > first.gasLimit) {
      return notSent(
        `its gas estimate rose from ${first.gasLimit} to ${again.gasLimit} with the amount; the next run decides again`,
      );
    }
  }
  const { link, from: _from, to, available: _available, maxGas: _maxGas, ...options } = input;
  const [result] = await sendTopUps({
    ...options,
    rpcUrl: link.url,
    maxBatchSize: link.maxBatchSize,
    ...(link.noBatches ? { noBatches: true } : {}),
    transfers: [{ to, amount, gasLimit: first.gasLimit }],
  });
  if (!result) return notSent('no transfer was planned');
  return { kind: 'sent', amount, maxFee, result };
}
