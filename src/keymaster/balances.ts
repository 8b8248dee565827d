import { accountKey, type BalanceReading } from './decide.js';
import { callAll, type RpcLink } from './batch.js';
import { quantity, type FetchLike, type RpcCall, type RpcOutcome } from './rpc.js';

/**
 * The balance sweep: every chain in parallel, and on each chain one JSON-RPC batch carrying the
 * chain id check, the fee inputs, the bank's balance and nonces, and every account's balance.
 * A chain that fails yields `unknown` for its accounts with the error; it never stops the others.
 * Only when the bank has transactions in flight is a second request made, for the pending block.
 */

export interface SweepTarget {
  network: string;
  chainId: number;
  /** undefined when the environment variable naming it is not set (`missingRpcReason` says why). */
  rpcUrl: string | undefined;
  missingRpcReason?: string;
  addresses: string[];
  /** The bank's address, to read its balance, nonces and in-flight transfers. */
  bank?: string;
}

/** A transfer from the bank seen in the pending block (sent, not yet mined). */
export interface InFlightTransfer {
  hash: string;
  to: string;
  value: bigint;
  nonce: number;
}

export interface BankState {
  address: string;
  /** Balance at the `pending` block: in-flight payments already deducted. */
  balance: BalanceReading;
  latestNonce: number;
  pendingNonce: number;
  inFlight: InFlightTransfer[];
  /** Set when the bank has in-flight transactions that the pending block does not show. */
  busy?: string;
}

export interface ChainSweep {
  network: string;
  chainId: number;
  /** The chain answered the batch (individual accounts may still be unknown). */
  ok: boolean;
  error?: string;
  /** Keyed by lower-cased address. */
  balances: Map<string, BalanceReading>;
  bank?: BankState;
  blockNumber?: number;
  baseFeePerGas?: bigint;
  gasPrice?: bigint;
  maxPriorityFeePerGas?: bigint;
  /** HTTP requests made to the chain's RPC (retries included). */
  requests: number;
  attempts: number;
  durationMs: number;
  /** Methods that failed, for `nomad_keymaster_rpc_errors_total{network,method}`; 'batch' for the request. */
  rpcErrors: string[];
  /** The batch size the provider accepted (lowered from `maxBatchSize` when it refused larger ones). */
  batchSize?: number;
  /** The provider refused batches altogether: calls go one per request. */
  noBatches?: boolean;
}

export interface SweepOptions {
  timeoutMs: number;
  /** Further attempts after a failed request (transport errors only). */
  retries?: number;
  retryDelayMs?: number;
  /** Largest batch sent in one request; larger sweeps are split into parallel requests (default 100). */
  maxBatchSize?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

function unknownAll(addresses: string[], reason: string): Map<string, BalanceReading> {
  return new Map(addresses.map((a) => [a.toLowerCase(), { known: false, reason } as const]));
}

/** Sweeps every target in parallel; the result is in the order of `targets`. */
export async function sweepBalances(
  targets: SweepTarget[],
  options: SweepOptions,
): Promise<ChainSweep[]> {
  // sweepChain is written not to throw; should it anyway, that chain fails and the others go on.
  const settled = await Promise.allSettled(targets.map((target) => sweepChain(target, options)));
  return settled.map((outcome, i) => {
    if (outcome.status === 'fulfilled') return outcome.value;
    const target = targets[i]!;
    const reason =
      outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    return failedSweep(target, `sweeping ${target.network} failed unexpectedly: ${reason}`);
  });
}

/** A chain that could not be read: every balance (and the bank's) unknown with the reason. */
function failedSweep(target: SweepTarget, reason: string, started?: number): ChainSweep {
  const addresses = target.addresses.filter((a) => typeof a === 'string');
  const sweep: ChainSweep = {
    network: target.network,
    chainId: target.chainId,
    ok: false,
    error: reason,
    balances: unknownAll(addresses, reason),
    requests: 0,
    attempts: 0,
    durationMs: started === undefined ? 0 : performance.now() - started,
    rpcErrors: [],
  };
  if (target.bank) {
    sweep.bank = {
      address: target.bank,
      balance: { known: false, reason },
      latestNonce: 0,
      pendingNonce: 0,
      inFlight: [],
    };
  }
  return sweep;
}

/** Sweeps one chain; never throws: failures are in the result. */
export async function sweepChain(target: SweepTarget, options: SweepOptions): Promise<ChainSweep> {
  const started = performance.now();
  const addresses = [...new Set(target.addresses.map((a) => a.toLowerCase()))];
  const sweep: ChainSweep = {
    network: target.network,
    chainId: target.chainId,
    ok: false,
    balances: new Map(),
    requests: 0,
    attempts: 0,
    durationMs: 0,
    rpcErrors: [],
  };
  const fail = (reason: string): ChainSweep => ({
    ...failedSweep(target, reason, started),
    requests: sweep.requests,
    attempts: sweep.attempts,
    rpcErrors: sweep.rpcErrors,
  });
  const url = target.rpcUrl;
  if (!url) return fail(target.missingRpcReason ?? `no RPC URL for ${target.network}`);

  const head: RpcCall[] = [
    { method: 'eth_chainId', params: [] },
    { method: 'eth_getBlockByNumber', params: ['latest', false] },
    { method: 'eth_gasPrice', params: [] },
    { method: 'eth_maxPriorityFeePerGas', params: [] },
  ];
  if (target.bank) {
    head.push(
      { method: 'eth_getBalance', params: [target.bank, 'pending'] },
      { method: 'eth_getTransactionCount', params: [target.bank, 'latest'] },
      { method: 'eth_getTransactionCount', params: [target.bank, 'pending'] },
      { method: 'eth_getBalance', params: [target.bank, 'latest'] },
    );
  }
  const balanceCalls: RpcCall[] = addresses.map((a) => ({
    method: 'eth_getBalance',
    params: [a, 'latest'],
  }));
  const link: RpcLink = {
    url,
    maxBatchSize: options.maxBatchSize ?? 100,
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? 2,
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    onRequest: () => {
      sweep.requests += 1;
      sweep.attempts += 1;
    },
    onRequestError: () => sweep.rpcErrors.push('batch'),
  };
  let outcomes: RpcOutcome[];
  try {
    outcomes = await callAll(link, [...head, ...balanceCalls]);
    const chainId = outcomes[0];
    if (chainId?.ok) {
      const actual = Number(quantity(chainId.result, 'eth_chainId'));
      if (actual !== target.chainId) {
        return fail(
          `the RPC URL of ${target.network} serves chain ${actual}, expected ${target.chainId}: check the environment variable that names it`,
        );
      }
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  sweep.batchSize = link.maxBatchSize;
  if (link.noBatches) sweep.noBatches = true;

  const take = <T>(outcome: RpcOutcome | undefined, method: string, read: (v: unknown) => T) => {
    if (!outcome?.ok) {
      sweep.rpcErrors.push(method);
      return undefined;
    }
    try {
      return read(outcome.result);
    } catch {
      sweep.rpcErrors.push(method);
      return undefined;
    }
  };
  const [chainId, block, gasPrice, priority] = outcomes;
  if (!chainId?.ok) {
    sweep.rpcErrors.push('eth_chainId');
    return fail(`eth_chainId failed: ${chainId?.message ?? 'no answer'}`);
  }
  const latest = take(block, 'eth_getBlockByNumber', (v) => v as Record<string, unknown>);
  if (latest) {
    // A block without a number or with a malformed base fee leaves them unknown, counted as errors.
    const field = (read: () => bigint) => take(block, 'eth_getBlockByNumber', read);
    const number = field(() => quantity(latest.number, 'block number'));
    if (number !== undefined) sweep.blockNumber = Number(number);
    if (latest.baseFeePerGas !== undefined && latest.baseFeePerGas !== null) {
      sweep.baseFeePerGas = field(() => quantity(latest.baseFeePerGas, 'baseFeePerGas'));
    }
  }
  sweep.gasPrice = take(gasPrice, 'eth_gasPrice', (v) => quantity(v, 'eth_gasPrice'));
  // Chains without EIP-1559 may not know this method: not an RPC error worth counting. An answer
  // that is not a quantity (null from some nodes) leaves the tip unknown: the default is used.
  sweep.maxPriorityFeePerGas = priority?.ok
    ? take(priority, 'eth_maxPriorityFeePerGas', (v) => quantity(v, 'eth_maxPriorityFeePerGas'))
    : undefined;

  let next = head.length;
  if (target.bank) {
    const [pendingBalance, latestNonce, pendingNonce, latestBalance] = outcomes.slice(4, 8);
    const nonceLatest = take(latestNonce, 'eth_getTransactionCount', (v) =>
      Number(quantity(v, 'nonce')),
    );
    const noncePending = take(pendingNonce, 'eth_getTransactionCount', (v) =>
      Number(quantity(v, 'nonce')),
    );
    // Some nodes do not serve the `pending` tag; with nothing in flight, `latest` is the same.
    const readBalance = (v: unknown) => quantity(v, 'bank balance');
    const settled = nonceLatest !== undefined && nonceLatest === noncePending;
    const wei = pendingBalance?.ok
      ? take(pendingBalance, 'eth_getBalance', readBalance)
      : settled
        ? take(latestBalance, 'eth_getBalance', readBalance)
        : take(pendingBalance, 'eth_getBalance', readBalance);
    sweep.bank = {
      address: target.bank,
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
      sweep.bank.busy = 'the bank nonce could not be read';
    } else if (noncePending > nonceLatest) {
      await inspectInFlight(link, sweep);
    }
  }
  for (const address of addresses) {
    const outcome = outcomes[next];
    next += 1;
    if (!outcome?.ok) {
      sweep.rpcErrors.push('eth_getBalance');
      sweep.balances.set(address, {
        known: false,
        reason: `eth_getBalance failed: ${outcome?.message ?? 'no answer'}`,
      });
      continue;
    }
    try {
      sweep.balances.set(address, { known: true, wei: quantity(outcome.result, 'balance') });
    } catch (error) {
      sweep.rpcErrors.push('eth_getBalance');
      sweep.balances.set(address, { known: false, reason: (error as Error).message });
    }
  }
  sweep.ok = true;
  sweep.durationMs = performance.now() - started;
  return sweep;
}

/**
 * The bank has sent transactions not yet mined: find them in the pending block so the run counts
 * their value as already on its way. If the pending block does not show all of them (a node that
 * keeps them elsewhere, a nonce gap), the chain is marked busy: waiting a run is cheaper than
 * paying twice.
 */
async function inspectInFlight(link: RpcLink, sweep: ChainSweep) {
  const bank = sweep.bank;
  if (!bank) return;
  const expected = bank.pendingNonce - bank.latestNonce;
  try {
    const [outcome] = await callAll({ ...link, retries: 0 }, [
      { method: 'eth_getBlockByNumber', params: ['pending', true] },
    ]);
    if (!outcome?.ok) throw new Error(outcome?.message ?? 'no answer');
    const block = outcome.result as { transactions?: Array<Record<string, unknown>> } | null;
    const own = bank.address.toLowerCase();
    for (const tx of block?.transactions ?? []) {
      if (typeof tx !== 'object' || String(tx.from).toLowerCase() !== own) continue;
      const nonce = Number(quantity(tx.nonce, 'nonce'));
      if (nonce < bank.latestNonce || typeof tx.to !== 'string') continue;
      bank.inFlight.push({
        hash: String(tx.hash),
        to: tx.to.toLowerCase(),
        value: quantity(tx.value, 'value'),
        nonce,
      });
    }
    const seen = new Set(bank.inFlight.map((t) => t.nonce));
    if (seen.size < expected) {
      bank.busy = `the bank has ${expected} transaction(s) in flight and the pending block shows ${seen.size}; waiting for them to be mined before paying again`;
    }
  } catch (error) {
    sweep.rpcErrors.push('eth_getBlockByNumber');
    bank.busy = `the bank has ${expected} transaction(s) in flight that could not be inspected (${(error as Error).message})`;
  }
}

/** Incoming in-flight amounts per `accountKey`, for the decision. */
export function pendingIncoming(sweeps: ChainSweep[]): Map<string, bigint> {
  const pending = new Map<string, bigint>();
  for (const sweep of sweeps) {
    for (const transfer of sweep.bank?.inFlight ?? []) {
      const key = accountKey(sweep.network, transfer.to);
      pending.set(key, (pending.get(key) ?? 0n) + transfer.value);
    }
  }
  return pending;
}
