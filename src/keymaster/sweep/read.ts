import type { NamedCall } from '../rpc/batch.js';
import { quantity, RpcAnswerError, type RpcOutcome } from '../rpc/rpc.js';
import type { BalanceReading, BankState, InFlightTransfer } from '../types.js';

/**
 * What a sweep asks a chain, by name, and how its answers are read: pure functions, no I/O. The
 * sweep (balances.ts) sends `sweepCalls` as one batch and hands the answers, by the same names, to
 * `readChainId`, `readFees`, `readBank` and `readBalances`. Every answer that is missing or
 * malformed leaves its field unknown and names its method in `rpcErrors`.
 */

/** The calls pricing a transaction: the latest block (base fee), gas price and tip. */
export type FeeCallName = 'block' | 'gasPrice' | 'tip';
export type BankCallName =
  'bankPendingBalance' | 'bankLatestNonce' | 'bankPendingNonce' | 'bankLatestBalance';
export type SweepCallName = 'chainId' | FeeCallName | BankCallName | `balance:${string}`;

export type Answers<K extends string = string> = ReadonlyMap<K, RpcOutcome>;

export function feeCalls(): Array<NamedCall<FeeCallName>> {
  return [
    { name: 'block', call: { method: 'eth_getBlockByNumber', params: ['latest', false] } },
    { name: 'gasPrice', call: { method: 'eth_gasPrice', params: [] } },
    { name: 'tip', call: { method: 'eth_maxPriorityFeePerGas', params: [] } },
  ];
}

export function balanceCallName(address: string): `balance:${string}` {
  return `balance:${address.toLowerCase()}`;
}

/** One batch for a chain: its id, the fee inputs, the bank's balances and nonces, every balance. */
export function sweepCalls(
  addresses: string[],
  bank: string | undefined,
): Array<NamedCall<SweepCallName>> {
  const calls: Array<NamedCall<SweepCallName>> = [
    { name: 'chainId', call: { method: 'eth_chainId', params: [] } },
    ...feeCalls(),
  ];
  if (bank) {
    calls.push(
      { name: 'bankPendingBalance', call: { method: 'eth_getBalance', params: [bank, 'pending'] } },
      {
        name: 'bankLatestNonce',
        call: { method: 'eth_getTransactionCount', params: [bank, 'latest'] },
      },
      {
        name: 'bankPendingNonce',
        call: { method: 'eth_getTransactionCount', params: [bank, 'pending'] },
      },
      { name: 'bankLatestBalance', call: { method: 'eth_getBalance', params: [bank, 'latest'] } },
    );
  }
  for (const address of addresses) {
    calls.push({
      name: balanceCallName(address),
      call: { method: 'eth_getBalance', params: [address, 'latest'] },
    });
  }
  return calls;
}

/** Reads answers, noting each failed or malformed one's method. */
class Reader {
  readonly rpcErrors: string[] = [];
  constructor(private readonly answers: Answers) {}

  /** The answer's result read by `read`; undefined (and the method noted) when it failed. */
  take<T>(name: string, method: string, read: (value: unknown) => T): T | undefined {
    const outcome = this.answers.get(name);
    if (!outcome?.ok) {
      this.rpcErrors.push(method);
      return undefined;
    }
    try {
      return read(outcome.result);
    } catch {
      this.rpcErrors.push(method);
      return undefined;
    }
  }

  outcome(name: string): RpcOutcome | undefined {
    return this.answers.get(name);
  }
}

export type ChainIdReading = { ok: true; chainId: number } | { ok: false; message: string };

export function readChainId(answers: Answers): ChainIdReading {
  const outcome = answers.get('chainId');
  if (!outcome?.ok) return { ok: false, message: outcome?.message ?? 'no answer' };
  return { ok: true, chainId: Number(quantity(outcome.result, 'eth_chainId')) };
}

export interface FeeReading {
  blockNumber?: number;
  baseFeePerGas?: bigint;
  gasPrice?: bigint;
  maxPriorityFeePerGas?: bigint;
  rpcErrors: string[];
}

export function readFees(answers: Answers): FeeReading {
  const reader = new Reader(answers);
  const out: FeeReading = { rpcErrors: reader.rpcErrors };
  const method = 'eth_getBlockByNumber';
  const latest = reader.take('block', method, (v) => v as Record<string, unknown>);
  if (latest) {
    // A block without a number or with a malformed base fee leaves them unknown, counted as errors.
    const number = reader.take('block', method, () => quantity(latest.number, 'block number'));
    if (number !== undefined) out.blockNumber = Number(number);
    if (latest.baseFeePerGas !== undefined && latest.baseFeePerGas !== null) {
      const base = reader.take('block', method, () =>
        quantity(latest.baseFeePerGas, 'baseFeePerGas'),
      );
      if (base !== undefined) out.baseFeePerGas = base;
    }
  }
  const gasPrice = reader.take('gasPrice', 'eth_gasPrice', (v) => quantity(v, 'eth_gasPrice'));
  if (gasPrice !== undefined) out.gasPrice = gasPrice;
  // Chains without EIP-1559 may not know this method: not an RPC error worth counting. An answer
  // that is not a quantity (null from some nodes) leaves the tip unknown: the default is used.
  if (reader.outcome('tip')?.ok) {
    const tip = reader.take('tip', 'eth_maxPriorityFeePerGas', (v) =>
      quantity(v, 'eth_maxPriorityFeePerGas'),
    );
    if (tip !== undefined) out.maxPriorityFeePerGas = tip;
  }
  return out;
}

/**
 * The bank's balance and nonces. `inFlight` is left empty: when the pending nonce is ahead of the
 * latest one, the sweep inspects the pending block (`readInFlight`).
 */
export function readBank(bank: string, answers: Answers): { bank: BankState; rpcErrors: string[] } {
  const reader = new Reader(answers);
  const nonce = (name: BankCallName) =>
    reader.take(name, 'eth_getTransactionCount', (v) => Number(quantity(v, 'nonce')));
  const nonceLatest = nonce('bankLatestNonce');
  const noncePending = nonce('bankPendingNonce');
  // Some nodes do not serve the `pending` tag; with nothing in flight, `latest` is the same.
  const readBalance = (v: unknown) => quantity(v, 'bank balance');
  const settled = nonceLatest !== undefined && nonceLatest === noncePending;
  const useLatest = !reader.outcome('bankPendingBalance')?.ok && settled;
  const wei = reader.take(
    useLatest ? 'bankLatestBalance' : 'bankPendingBalance',
    'eth_getBalance',
    readBalance,
  );
  const state: BankState = {
    address: bank,
    balance:
      wei === undefined
        ? {
            known: false,
            reason: settled
              ? 'eth_getBalance of the bank failed'
              : 'the bank has transactions in flight and its balance at the pending block could not be read',
          }
        : { known: true, wei },
    latestNonce: nonceLatest ?? 0,
    pendingNonce: noncePending ?? 0,
    inFlight: [],
  };
  if (nonceLatest === undefined || noncePending === undefined) {
    state.busy = 'the bank nonce could not be read';
  }
  return { bank: state, rpcErrors: reader.rpcErrors };
}

/** Every address's balance, by lower-cased address; a failed one is unknown with the node's reason. */
export function readBalances(
  addresses: string[],
  answers: Answers,
): { balances: Map<string, BalanceReading>; rpcErrors: string[] } {
  const balances = new Map<string, BalanceReading>();
  const rpcErrors: string[] = [];
  for (const address of addresses) {
    const outcome = answers.get(balanceCallName(address));
    if (!outcome?.ok) {
      rpcErrors.push('eth_getBalance');
      balances.set(address.toLowerCase(), {
        known: false,
        reason: `eth_getBalance failed: ${outcome?.message ?? 'no answer'}`,
      });
      continue;
    }
    try {
      balances.set(address.toLowerCase(), {
        known: true,
        wei: quantity(outcome.result, 'balance'),
      });
    } catch (error) {
      rpcErrors.push('eth_getBalance');
      balances.set(address.toLowerCase(), { known: false, reason: (error as Error).message });
    }
  }
  return { balances, rpcErrors };
}

/**
 * The bank's own transactions in a pending block (`eth_getBlockByNumber('pending', true)`), from
 * the latest nonce on; `busy` when the block shows fewer than the nonces say are in flight.
 * Throws when the block cannot be read.
 */
export function readInFlight(
  bank: BankState,
  outcome: RpcOutcome | undefined,
): { inFlight: InFlightTransfer[]; busy?: string } {
  if (!outcome?.ok) throw new RpcAnswerError(outcome?.message ?? 'no answer');
  const expected = bank.pendingNonce - bank.latestNonce;
  const block = outcome.result as { transactions?: Array<Record<string, unknown>> } | null;
  const own = bank.address.toLowerCase();
  const inFlight: InFlightTransfer[] = [];
  for (const tx of block?.transactions ?? []) {
    if (typeof tx !== 'object' || String(tx.from).toLowerCase() !== own) continue;
    const nonce = Number(quantity(tx.nonce, 'nonce'));
    if (nonce < bank.latestNonce || typeof tx.to !== 'string') continue;
    inFlight.push({
      hash: String(tx.hash),
      to: tx.to.toLowerCase(),
      value: quantity(tx.value, 'value'),
      nonce,
    });
  }
  const seen = new Set(inFlight.map((t) => t.nonce));
  return seen.size < expected
    ? {
        inFlight,
        busy: `the bank has ${expected} transaction(s) in flight and the pending block shows ${seen.size}; waiting for them to be mined before paying again`,
      }
    : { inFlight };
}
