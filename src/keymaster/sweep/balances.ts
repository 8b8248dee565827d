import { errorMessage } from '../../errors.js';
import { callAll, callNamed, type RpcLink } from '../rpc/batch.js';
import { accountKey } from '../decide/decide.js';
import type { FetchLike } from '../rpc/rpc.js';
import {
  readBalances,
  readBank,
  readChainId,
  readFees,
  readInFlight,
  sweepCalls,
  type Answers,
  type SweepCallName,
} from './read.js';
import type { BalanceReading, ChainSweep } from '../types.js';
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

export interface SweepOptions {
  timeoutMs: number;
  /** Further attempts after a failed request (transport errors only). */
  retries?: number;
  retryDelayMs?: number;
  /** Largest batch sent in one request; larger sweeps are split into parallel requests (default 100). */
  maxBatchSize?: number | undefined;
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
    const reason = errorMessage(outcome.reason);
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
  let answers: Answers<SweepCallName>;
  try {
    answers = await callNamed(link, sweepCalls(addresses, target.bank));
    const chainId = readChainId(answers);
    if (chainId.ok && chainId.chainId !== target.chainId) {
      return fail(
        `the RPC URL of ${target.network} serves chain ${chainId.chainId}, expected ${target.chainId}: check the environment variable that names it`,
      );
    }
    if (!chainId.ok) {
      sweep.rpcErrors.push('eth_chainId');
      return fail(`eth_chainId failed: ${chainId.message}`);
    }
  } catch (error) {
    return fail(errorMessage(error));
  }
  sweep.batchSize = link.maxBatchSize;
  if (link.noBatches) sweep.noBatches = true;

  const { rpcErrors: feeErrors, ...fees } = readFees(answers);
  Object.assign(sweep, fees);
  sweep.rpcErrors.push(...feeErrors);
  if (target.bank) {
    const { bank, rpcErrors } = readBank(target.bank, answers);
    sweep.bank = bank;
    sweep.rpcErrors.push(...rpcErrors);
    if (!bank.busy && bank.pendingNonce > bank.latestNonce) await inspectInFlight(link, sweep);
  }
  const { balances, rpcErrors } = readBalances(addresses, answers);
  sweep.balances = balances;
  sweep.rpcErrors.push(...rpcErrors);
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
  try {
    const [outcome] = await callAll({ ...link, retries: 0 }, [
      { method: 'eth_getBlockByNumber', params: ['pending', true] },
    ]);
    const { inFlight, busy } = readInFlight(bank, outcome);
    bank.inFlight = inFlight;
    if (busy) bank.busy = busy;
  } catch (error) {
    sweep.rpcErrors.push('eth_getBlockByNumber');
    bank.busy = `the bank has ${bank.pendingNonce - bank.latestNonce} transaction(s) in flight that could not be inspected (${errorMessage(error)})`;
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
