import { errorMessage } from '../../errors.js';
import { callNamed, type RpcLink } from '../rpc/batch.js';
import { quoteFees, readEstimate } from '../send/gas.js';
import { quantity, type RpcOutcome } from '../rpc/rpc.js';
import { feeCalls, readFees } from '../sweep/read.js';
import type { ChainSweep, FeeQuote, GasEstimate } from '../types.js';

/** Reads a run makes between its sweeps: gas per recipient, balances now, the fees asked now. */

/**
 * Gas per recipient for the transfers a run would send, in one batch for the chain (see gas.ts:
 * a transfer that would revert is never sent, so no fee is paid for it). A failed request leaves
 * every estimate unknown: those wallets are not paid this run.
 */
export async function estimateGas(
  link: RpcLink,
  from: string,
  transfers: Array<{ address: string; amount: bigint }>,
  ceiling: bigint,
  onRpcError: (method: string) => void,
): Promise<Map<string, GasEstimate>> {
  const gas = new Map<string, GasEstimate>();
  if (transfers.length === 0) return gas;
  let answers: Map<string, RpcOutcome>;
  try {
    answers = await callNamed(
      link,
      transfers.map((t) => ({
        name: t.address.toLowerCase(),
        call: {
          method: 'eth_estimateGas',
          params: [{ from, to: t.address, value: `0x${t.amount.toString(16)}` }],
        },
      })),
    );
  } catch (error) {
    onRpcError('eth_estimateGas');
    const reason = `eth_estimateGas failed: ${errorMessage(error)}`;
    for (const t of transfers) gas.set(t.address, { kind: 'unknown', reason });
    return gas;
  }
  for (const t of transfers) {
    const estimate = readEstimate(answers.get(t.address.toLowerCase()), ceiling);
    if (estimate.kind === 'unknown') onRpcError('eth_estimateGas');
    gas.set(t.address, estimate);
  }
  return gas;
}

/** Balances at the latest block (for cancelling a top-up whose wallet was funded meanwhile). */
export async function balancesNow(
  link: RpcLink,
  addresses: string[],
): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  try {
    const answers = await callNamed(
      { ...link, retries: 0 },
      addresses.map((a) => ({
        name: a.toLowerCase(),
        call: { method: 'eth_getBalance', params: [a, 'latest'] },
      })),
    );
    for (const [address, answer] of answers) {
      if (!answer.ok) continue;
      try {
        out.set(address, quantity(answer.result, 'balance'));
      } catch {
        // Unread: not cancelled on a guess; it is paid.
      }
    }
  } catch {
    // Same: without balances, top-ups are paid (or replaced), never cancelled.
  }
  return out;
}

/** The fees the chain asks now (for replacing a stuck top-up): one small batch. */
export async function requote(
  link: RpcLink,
  sweep: ChainSweep,
  eip1559: boolean | undefined,
): Promise<FeeQuote | undefined> {
  try {
    const answers = await callNamed({ ...link, retries: 0 }, feeCalls());
    const { baseFeePerGas, gasPrice, maxPriorityFeePerGas } = readFees(answers);
    // What the chain asks now; a base fee it did not give now is taken from the sweep.
    const { gasPrice: _gasPrice, maxPriorityFeePerGas: _tip, ...rest } = sweep;
    return quoteFees(
      {
        ...rest,
        ...(baseFeePerGas !== undefined ? { baseFeePerGas } : {}),
        ...(gasPrice !== undefined ? { gasPrice } : {}),
        ...(maxPriorityFeePerGas !== undefined ? { maxPriorityFeePerGas } : {}),
      },
      eip1559,
    );
  } catch {
    return undefined;
  }
}
