import { unitsOf, WEI } from '../../config/amounts.js';
import type { ResolvedNetwork } from '../../config/model.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../../config/schema-keymaster.js';
import {
  pendingIncoming,
  sweepChain,
  type SweepOptions,
  type SweepTarget,
} from '../sweep/balances.js';
import type { RpcLink } from '../rpc/batch.js';
import { estimateGas } from './chain-reads.js';
import { accountKey, decideTopUps, mergeAccounts, UNFUNDED_REASONS } from '../decide/decide.js';
import { capQuote, maxFeePerTransfer, maxPricePerGas, quoteFees } from '../send/gas.js';
import { sendOnNetwork } from './network-send.js';
import { networkRpcUrlProblem } from '../rpc/url.js';
import type { RunKeymasterOptions } from './options.js';
import type {
  AddressedAccount,
  BalanceReading,
  ChainSweep,
  Decision,
  GasEstimate,
  KeymasterFailure,
  NetworkPlan,
  NetworkState,
  RpcErrorNote,
  TxResult,
} from '../types.js';

export interface NetworkOutcome {
  before: ChainSweep | undefined;
  decisions: Decision[];
  plan: NetworkPlan | undefined;
  sent: TxResult[];
  after: ChainSweep | undefined;
  /** What failed on this network, in the order it happened. */
  failures: KeymasterFailure[];
  /** Failed RPC methods, for `nomad_keymaster_rpc_errors_total`. */
  rpcErrors: RpcErrorNote[];
}

/** The wallets a network's decisions leave below their lower bound, as failures. */
export function unfundedFailures(decisions: Decision[], network: string): KeymasterFailure[] {
  return decisions
    .filter((d) => UNFUNDED_REASONS.has(d.reason))
    .map((d): KeymasterFailure => ({
      kind: d.reason === 'unfundable' ? 'unfundable' : 'unfunded',
      network,
      address: d.address,
      message: `${d.label} (${d.address}) on ${network} stays below its lower bound: ${d.reason}: ${d.detail}`,
    }));
}

/** The wallets below lower on a swept network, with the amount each would be sent. */
function candidatesOf(
  accounts: AddressedAccount[],
  sweep: ChainSweep,
  bankAddress: string,
): Array<{ address: string; amount: bigint }> {
  const pending = pendingIncoming([sweep]);
  const out: Array<{ address: string; amount: bigint }> = [];
  for (const entry of mergeAccounts(accounts)) {
    if (entry.address.toLowerCase() === bankAddress.toLowerCase()) continue;
    const reading = sweep.balances.get(entry.address.toLowerCase());
    if (!reading?.known) continue;
    const effective = reading.wei + (pending.get(accountKey(sweep.network, entry.address)) ?? 0n);
    if (effective < entry.lower)
      out.push({ address: entry.address, amount: entry.target - effective });
  }
  return out;
}

/** One network: sweep, estimate, decide, send (unless dry), sweep again. Never throws on chain faults. */
export async function runNetwork(input: {
  options: RunKeymasterOptions;
  network: ResolvedNetwork;
  accounts: AddressedAccount[];
  bankAddress: string;
  dryRun: boolean;
}): Promise<NetworkOutcome> {
  const { options, network, accounts, bankAddress } = input;
  // This network's own: returned with its outcome, merged by the run.
  const failures: KeymasterFailure[] = [];
  const rpcErrors: RpcErrorNote[] = [];
  const { env, logger } = options;
  const name = network.name;
  const settings = env.keymaster.networks[name];
  const sweepOptions: SweepOptions = {
    timeoutMs: (settings?.rpc.timeoutSeconds ?? env.keymaster.rpcTimeoutSeconds) * 1000,
    retries: options.retries ?? settings?.rpc.retries ?? 2,
    maxBatchSize: settings?.rpc.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const urlProblem = networkRpcUrlProblem(options.rpcUrls[name], network);
  if (urlProblem) {
    failures.push({ kind: 'config', network: name, message: urlProblem });
    logger?.warn(urlProblem);
  }
  const target: SweepTarget = {
    network: name,
    chainId: network.chainId,
    rpcUrl: urlProblem ? undefined : options.rpcUrls[name],
    missingRpcReason:
      urlProblem ??
      `the RPC URL of ${name} is missing: set the environment variable ${network.rpcUrlEnv}`,
    addresses: accounts.map((a) => a.address),
    bank: bankAddress,
  };
  const noteErrors = (sweep: ChainSweep) =>
    rpcErrors.push(...sweep.rpcErrors.map((method) => ({ network: name, method })));

  const before = await sweepChain(target, sweepOptions);
  noteErrors(before);
  if (!before.ok && !urlProblem) {
    const error = before.error ?? 'the sweep failed';
    // Every problem names its network (transport errors know only the redacted URL).
    const reason = error.includes(name) ? error : `${name}: ${error}`;
    failures.push({ kind: 'rpc', network: name, message: reason });
    logger?.warn(reason);
  }

  const quote = before.ok ? quoteFees(before, network.eip1559) : undefined;
  const link: RpcLink | undefined = target.rpcUrl
    ? {
        url: target.rpcUrl,
        maxBatchSize: before.batchSize ?? sweepOptions.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        ...(before.noBatches ? { noBatches: true } : {}),
        timeoutMs: sweepOptions.timeoutMs,
        retries: sweepOptions.retries ?? 2,
        ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        onRequestError: () => rpcErrors.push({ network: name, method: 'batch' }),
      }
    : undefined;

  // Gas per recipient, for the wallets that would be paid: one batch for the chain.
  const gas = new Map<string, GasEstimate>();
  if (before.ok && settings && link && !before.bank?.busy) {
    const estimates = await estimateGas(
      link,
      bankAddress,
      candidatesOf(accounts, before, bankAddress),
      settings.gas.maxPerTransfer,
      (method) => rpcErrors.push({ network: name, method }),
    );
    for (const [address, estimate] of estimates) gas.set(accountKey(name, address), estimate);
  }

  const states: Record<string, NetworkState> = {};
  if (settings) {
    const fees = quote ? capQuote(quote, settings.gas.maxFeePerGas) : undefined;
    states[name] = {
      network: name,
      bankAddress,
      bankBalance: before.bank?.balance ?? { known: false, reason: 'the bank was not read' },
      feePerTransfer: fees ? maxFeePerTransfer(fees) : undefined,
      ...(fees ? { feePerGas: maxPricePerGas(fees) } : {}),
      reserve: settings.bank.reserve,
      alertBelow: settings.bank.alertBelow,
      capPerRun: settings.capPerRun,
      unit: unitsOf(env)[name] ?? WEI,
      ...(before.bank?.busy ? { busy: before.bank.busy } : {}),
    };
  }
  const balances = new Map<string, BalanceReading>();
  for (const [address, reading] of before.balances) {
    balances.set(accountKey(name, address), reading);
  }
  const { decisions, networks: plans } = decideTopUps({
    accounts,
    balances,
    pending: pendingIncoming([before]),
    networks: states,
    gas,
  });
  const plan = plans.find((p) => p.network === name);
  if (before.ok) failures.push(...unfundedFailures(decisions, name));

  const funded = decisions.filter((d) => d.reason === 'funded');
  const bank = before.bank;
  let sent: TxResult[] = [];
  if (!input.dryRun && funded.length > 0 && bank && quote && settings && link) {
    const sending = await sendOnNetwork({
      options,
      network,
      settings,
      funded,
      before: { ...before, bank },
      quote,
      link,
      bankAddress,
      rpcTimeoutMs: sweepOptions.timeoutMs,
    });
    sent = sending.sent;
    failures.push(...sending.failures);
    rpcErrors.push(...sending.rpcErrors);
  }

  let after: ChainSweep | undefined;
  if (sent.length > 0) {
    after = await sweepChain(target, { ...sweepOptions, maxBatchSize: link?.maxBatchSize });
    noteErrors(after);
  }
  return { before, decisions, plan, sent, after, failures, rpcErrors };
}
