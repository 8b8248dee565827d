import type { AbstractSigner } from 'ethers';
import { getAddress } from 'ethers';
import type { ResolvedEnvironment, ResolvedNetwork } from '../config/model.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../config/schema.js';
import { thresholdFor } from '../inventory/funding.js';
import type { FundingAccount } from '../inventory/types.js';
import {
  pendingIncoming,
  sweepChain,
  type ChainSweep,
  type SweepOptions,
  type SweepTarget,
} from './balances.js';
import { callAll, type RpcLink } from './batch.js';
import {
  accountKey,
  decideTopUps,
  mergeAccounts,
  UNFUNDED_REASONS,
  type AddressedAccount,
  type BalanceReading,
  type Decision,
  type NetworkPlan,
  type NetworkState,
} from './decide.js';
import { capQuote, maxPricePerGas, readEstimate, type GasEstimate } from './gas.js';
import { quantity, type FetchLike, type RpcOutcome } from './rpc.js';
import { formatAmount, unitsOf } from './render.js';
import { registerRpcUrl } from '../redact.js';
import { rpcUrlProblem as urlProblemOf } from './rpc-url.js';
import { maxFeePerTransfer, quoteFees, sendTopUps, type FeeQuote, type TxResult } from './send.js';

/**
 * One Keymaster run: resolve addresses, sweep every chain, decide, send (unless dry-run), sweep
 * again. Chains are independent throughout: one failing is reported and the others go on.
 */

export interface KeymasterLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface RunKeymasterOptions {
  env: ResolvedEnvironment;
  /** The funding matrix (`fundingFor(env, keys)`). */
  rows: FundingAccount[];
  /** Address of a key alias (from its KMS public key or its development secret). */
  resolveAddress: (alias: string) => Promise<string>;
  /** The bank's signer: one for every chain (chain ids are set per transaction), or one per network. Not needed for a dry run. */
  bankSigner?: AbstractSigner | ((network: string) => AbstractSigner);
  /** Defaults to the signer's address; required for a dry run without a signer. */
  bankAddress?: string;
  /** RPC URL per network name (read from the variables named by `rpcUrlEnv`; see `rpcUrlsFromEnv`). */
  rpcUrls: Record<string, string | undefined>;
  /** Only these networks (default: every network with rows or Keymaster settings). */
  networks?: string[];
  dryRun?: boolean;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  logger?: KeymasterLogger;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Sweep retries per chain (default 2). */
  retries?: number;
  retryDelayMs?: number;
  /** Receipt polling interval (default 1000 ms). */
  pollIntervalMs?: number;
}

/** One wallet on one chain, as read. */
export interface BalanceRow {
  network: string;
  chainId: number;
  address: string;
  homes: string[];
  roles: string[];
  label: string;
  balance: BalanceReading;
  lower: bigint;
  target: bigint;
}

/** address: a key's address unknown; rpc: a chain could not be swept; unfunded: a wallet stays
 * below lower; unfundable: a transfer to it would revert (or did); send: a top-up not mined;
 * signer: the signer is not the bank; bank-low: the bank is below its alert level; config: the
 * environment does not fit the request; unapproved: the file's funding settings are not the ones
 * the last approved apply recorded, so nothing was sent. */
export type FailureKind =
  | 'address'
  | 'rpc'
  | 'unfunded'
  | 'unfundable'
  | 'send'
  | 'signer'
  | 'bank-low'
  | 'config'
  | 'unapproved';

export interface KeymasterFailure {
  kind: FailureKind;
  network?: string;
  address?: string;
  alias?: string;
  message: string;
}

export interface BankSummary {
  network: string;
  address: string;
  before: BalanceReading;
  /**
   * What the chain holds after the run: read again after sending, else as read before (a dry run
   * sends nothing). Never a projection: that is `projected`.
   */
  after: BalanceReading;
  /** The balance after the planned top-ups at worst-case fees (what a dry run would leave). */
  projected?: bigint;
  alertBelow: bigint;
  reserve: bigint;
  low: boolean;
}

export interface KeymasterRun {
  environment: string;
  dryRun: boolean;
  startedAt: number;
  finishedAt: number;
  bankAddress: string;
  before: BalanceRow[];
  decisions: Decision[];
  plans: NetworkPlan[];
  sent: TxResult[];
  after: BalanceRow[];
  banks: BankSummary[];
  /** The sweeps of the run (before, and after when anything was sent). */
  sweeps: { before: ChainSweep[]; after: ChainSweep[] };
  /** Failed RPC methods per network, for `nomad_keymaster_rpc_errors_total`. */
  rpcErrors: Array<{ network: string; method: string }>;
  failures: KeymasterFailure[];
  bankLow: boolean;
  /** Nothing failed, no wallet was left below its lower bound, no bank is below its alert level. */
  ok: boolean;
}

/** RPC URLs by network from the environment variables the environment file names. */
export function rpcUrlsFromEnv(
  env: ResolvedEnvironment,
  variables: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  return Object.fromEntries(
    env.networks.map((n) => {
      const url = variables[n.rpcUrlEnv]?.trim() || undefined;
      // Read means registered: from here on no output of the process can carry it.
      registerRpcUrl(url);
      return [n.name, url];
    }),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function resolveAddresses(
  rows: FundingAccount[],
  env: ResolvedEnvironment,
  resolveAddress: (alias: string) => Promise<string>,
  failures: KeymasterFailure[],
): Promise<AddressedAccount[]> {
  const aliases = [...new Set(rows.flatMap((r) => (r.address ? [] : r.alias ? [r.alias] : [])))];
  const resolved = new Map<string, string>();
  await Promise.all(
    aliases.map(async (alias) => {
      try {
        resolved.set(alias, getAddress(await resolveAddress(alias)));
      } catch (error) {
        failures.push({
          kind: 'address',
          alias,
          message: `the address of ${alias} could not be resolved: ${message(error)}`,
        });
      }
    }),
  );
  const accounts: AddressedAccount[] = [];
  for (const row of rows) {
    const raw = row.address ?? (row.alias ? resolved.get(row.alias) : undefined);
    if (raw === undefined) {
      if (!row.alias) {
        failures.push({
          kind: 'config',
          network: row.network,
          message: `funding row "${row.label}" has neither an address nor a key alias`,
        });
      }
      continue;
    }
    let address: string;
    try {
      address = getAddress(raw);
    } catch (error) {
      // A bad address (e.g. a mixed-case one with a wrong EIP-55 checksum) skips this row only.
      failures.push({
        kind: 'config',
        network: row.network,
        message: `funding row "${row.label}" has an invalid address ${JSON.stringify(raw)}: ${message(error)}; fix it in the environment file (an all-lower-case address skips the checksum check)`,
      });
      continue;
    }
    accounts.push({ ...row, address, ...thresholdFor(row, address, env) });
  }
  return accounts;
}

function balanceRows(decisions: Decision[], sweeps: ChainSweep[]): BalanceRow[] {
  const byNetwork = new Map(sweeps.map((s) => [s.network, s]));
  return decisions.map((d) => ({
    network: d.network,
    chainId: d.chainId,
    address: d.address,
    homes: d.homes,
    roles: d.roles,
    label: d.label,
    balance: byNetwork.get(d.network)?.balances.get(d.address.toLowerCase()) ?? {
      known: false,
      reason: `${d.network} was not swept`,
    },
    lower: d.lower,
    target: d.target,
  }));
}

export async function runKeymaster(options: RunKeymasterOptions): Promise<KeymasterRun> {
  const { env } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const dryRun = options.dryRun ?? false;
  const startedAt = clock();
  const failures: KeymasterFailure[] = [];
  let bankAddress = options.bankAddress;
  if (bankAddress === undefined) {
    const signer =
      typeof options.bankSigner === 'function'
        ? options.bankSigner(env.networks[0]?.name ?? '')
        : options.bankSigner;
    if (!signer) {
      throw new Error(
        'runKeymaster needs the bank: give bankSigner, or bankAddress for a dry run.',
      );
    }
    bankAddress = await signer.getAddress();
  }
  bankAddress = getAddress(bankAddress);

  const wanted = options.networks ? new Set(options.networks) : undefined;
  const rows = options.rows.filter((r) => !wanted || wanted.has(r.network));
  const networkNames = [
    ...new Set([...rows.map((r) => r.network), ...Object.keys(env.keymaster.networks)]),
  ].filter((n) => !wanted || wanted.has(n));
  for (const name of wanted ?? []) {
    if (!env.networks.some((n) => n.name === name)) {
      failures.push({
        kind: 'config',
        network: name,
        message: `${name} is not a network of ${env.name}`,
      });
    }
  }
  const networks = env.networks.filter((n) => networkNames.includes(n.name));
  for (const name of new Set(rows.map((r) => r.network))) {
    if (!networks.some((n) => n.name === name)) {
      failures.push({
        kind: 'config',
        network: name,
        message: `funding rows name ${name}, which is not a network of ${env.name}`,
      });
    }
  }

  const accounts = await resolveAddresses(rows, env, options.resolveAddress, failures);
  const rpcErrors: Array<{ network: string; method: string }> = [];
  logger?.info(`sweeping ${accounts.length} wallet rows on ${networks.length} network(s)`);

  // Each network on its own from sweep to receipts: a slow or hanging chain delays only itself.
  const outcomes = await Promise.all(
    networks.map((network) =>
      runNetwork({
        options,
        network,
        accounts: accounts.filter((a) => a.network === network.name),
        bankAddress: bankAddress!,
        dryRun,
        failures,
        rpcErrors,
      }).catch((error: unknown): NetworkOutcome => {
        // runNetwork is written not to throw; should it anyway, that network fails alone.
        const reason = `${network.name}: the run failed unexpectedly: ${message(error)}`;
        failures.push({ kind: 'rpc', network: network.name, message: reason });
        logger?.warn(reason);
        return { before: undefined, decisions: [], plan: undefined, sent: [], after: undefined };
      }),
    ),
  );
  const before = outcomes.flatMap((o) => (o.before ? [o.before] : []));
  const afterSweeps = outcomes.flatMap((o) => (o.after ? [o.after] : []));
  const decisions = outcomes.flatMap((o) => o.decisions);
  const plans = outcomes.flatMap((o) => (o.plan ? [o.plan] : []));
  const sent = outcomes.flatMap((o) => o.sent);
  const sentOn = new Set(sent.map((t) => t.network));
  const latest = before.map((s) => afterSweeps.find((a) => a.network === s.network && a.ok) ?? s);

  const banks = summarizeBanks({
    env,
    plans,
    before,
    afterSweeps,
    sentOn,
    dryRun,
    bankAddress,
    failures,
  });
  const bankLow = banks.some((b) => b.low);

  return {
    environment: env.name,
    dryRun,
    startedAt,
    finishedAt: clock(),
    bankAddress,
    before: balanceRows(decisions, before),
    decisions,
    plans,
    sent,
    after: balanceRows(decisions, latest),
    banks,
    sweeps: { before, after: afterSweeps },
    rpcErrors,
    failures,
    bankLow,
    ok: failures.length === 0 && !bankLow,
  };
}

/**
 * A configuration error for an RPC URL that is set but not an http(s) URL (a missing scheme,
 * say), naming the variable; undefined when fine or unset (unset is reported by the sweep). The
 * value is never quoted: it may carry an API key.
 */
export function rpcUrlProblem(
  url: string | undefined,
  network: { name: string; rpcUrlEnv: string },
): string | undefined {
  if (url === undefined) return undefined;
  const problem = urlProblemOf(url);
  // Named by its variable, never by its value: the value may carry credentials.
  return problem
    ? `${network.name}: the environment variable ${network.rpcUrlEnv} does not hold an http:// or https:// URL (it ${problem}): set it to the full URL of the JSON-RPC endpoint, like https://host/path`
    : undefined;
}

interface NetworkOutcome {
  before: ChainSweep | undefined;
  decisions: Decision[];
  plan: NetworkPlan | undefined;
  sent: TxResult[];
  after: ChainSweep | undefined;
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
async function runNetwork(input: {
  options: RunKeymasterOptions;
  network: ResolvedNetwork;
  accounts: AddressedAccount[];
  bankAddress: string;
  dryRun: boolean;
  failures: KeymasterFailure[];
  rpcErrors: Array<{ network: string; method: string }>;
}): Promise<NetworkOutcome> {
  const { options, network, accounts, bankAddress, failures } = input;
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
  const urlProblem = rpcUrlProblem(options.rpcUrls[name], network);
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
    input.rpcErrors.push(...sweep.rpcErrors.map((method) => ({ network: name, method })));

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
        onRequestError: () => input.rpcErrors.push({ network: name, method: 'batch' }),
      }
    : undefined;

  // Gas per recipient, for the wallets that would be paid: one batch for the chain.
  const gas = new Map<string, GasEstimate>();
  if (before.ok && settings && link && !before.bank?.busy) {
    const candidates = candidatesOf(accounts, before, bankAddress);
    if (candidates.length > 0) {
      const calls = candidates.map((c) => ({
        method: 'eth_estimateGas',
        params: [{ from: bankAddress, to: c.address, value: `0x${c.amount.toString(16)}` }],
      }));
      let answers: RpcOutcome[] | undefined;
      try {
        answers = await callAll(link, calls);
      } catch (error) {
        input.rpcErrors.push({ network: name, method: 'eth_estimateGas' });
        for (const c of candidates) {
          gas.set(accountKey(name, c.address), {
            kind: 'unknown',
            reason: `eth_estimateGas failed: ${message(error)}`,
          });
        }
      }
      answers?.forEach((answer, i) => {
        const estimate = readEstimate(answer, settings.gas.maxPerTransfer);
        if (estimate.kind === 'unknown') {
          input.rpcErrors.push({ network: name, method: 'eth_estimateGas' });
        }
        gas.set(accountKey(name, candidates[i]!.address), estimate);
      });
    }
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
      unit: unitsOf(env)[name] ?? { symbol: 'wei', decimals: 0 },
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
  for (const d of decisions) {
    if (!UNFUNDED_REASONS.has(d.reason) || !before.ok) continue;
    failures.push({
      kind: d.reason === 'unfundable' ? 'unfundable' : 'unfunded',
      network: name,
      address: d.address,
      message: `${d.label} (${d.address}) on ${name} stays below its lower bound: ${d.reason}: ${d.detail}`,
    });
  }

  const funded = decisions.filter((d) => d.reason === 'funded');
  let sent: TxResult[] = [];
  if (!input.dryRun && funded.length > 0 && before.bank && quote && settings && link) {
    const signer =
      typeof options.bankSigner === 'function' ? options.bankSigner(name) : options.bankSigner;
    const signerAddress = signer ? getAddress(await signer.getAddress()) : undefined;
    if (!signer) {
      failures.push({
        kind: 'signer',
        network: name,
        message: `no bank signer for ${name}: nothing sent`,
      });
    } else if (signerAddress !== bankAddress) {
      failures.push({
        kind: 'signer',
        network: name,
        message: `the bank signer on ${name} is ${signerAddress}, expected ${bankAddress}: nothing sent`,
      });
    } else {
      logger?.info(`${name}: sending ${funded.length} top-up(s)`);
      const fees = capQuote(quote, settings.gas.maxFeePerGas);
      sent = await sendTopUps({
        network: name,
        chainId: network.chainId,
        rpcUrl: link.url,
        signer,
        fees,
        startNonce: before.bank.pendingNonce,
        transfers: funded.map((d) => ({
          to: d.address,
          amount: d.amount,
          ...(d.gasLimit !== undefined ? { gasLimit: d.gasLimit } : {}),
          lower: d.lower,
        })),
        rpcTimeoutMs: sweepOptions.timeoutMs,
        receiptTimeoutMs: env.keymaster.receiptTimeoutSeconds * 1000,
        ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        maxBatchSize: link.maxBatchSize,
        ...(link.noBatches ? { noBatches: true } : {}),
        replaceAfterMs: settings.gas.replaceAfterSeconds * 1000,
        requote: () => requote(link, before, network.eip1559),
        balancesOf: (addresses) => balancesNow(link, addresses),
        ...(settings.gas.maxFeePerGas !== undefined
          ? { maxFeePerGas: settings.gas.maxFeePerGas }
          : {}),
        onReplaced: (tx, previous) =>
          logger?.warn(
            tx.cancelHash === tx.hash
              ? `${name}: top-up of ${tx.to} at nonce ${tx.nonce} was not mined and its wallet no longer needs it; cancelled ${previous} by a zero-value self-transfer ${tx.hash}`
              : `${name}: top-up of ${tx.to} at nonce ${tx.nonce} was not mined and bid less than the chain asks; replaced ${previous} by ${tx.hash}`,
          ),
        onRpcError: (method) => input.rpcErrors.push({ network: name, method }),
      });
      const mined = sent.filter((t) => t.status === 'mined').length;
      logger?.info(`${name}: ${mined} of ${sent.length} top-up(s) mined`);
    }
  }
  const units = unitsOf(env);
  for (const tx of sent) {
    // A cancelled top-up's wallet was funded meanwhile: nothing is wrong.
    if (tx.status === 'mined' || tx.status === 'cancelled') continue;
    const where = `top-up of ${formatAmount(tx.amount, name, units)} to ${tx.to} on ${name} (nonce ${tx.nonce}${tx.hash ? `, ${tx.hash}` : ''})`;
    failures.push({
      kind: tx.status === 'reverted' ? 'unfundable' : 'send',
      network: name,
      address: tx.to,
      message:
        tx.status === 'reverted'
          ? `${where} reverted: the recipient refused it (the fee was paid, the value did not move); it is unfundable, and the next run's gas estimate keeps it so until its code or settings change`
          : `${where} ${tx.status}: ${tx.error ?? ''}`.trim(),
    });
  }

  let after: ChainSweep | undefined;
  if (sent.length > 0) {
    after = await sweepChain(target, { ...sweepOptions, maxBatchSize: link?.maxBatchSize });
    noteErrors(after);
  }
  return { before, decisions, plan, sent, after };
}

/** Balances at the latest block (for cancelling a stuck top-up whose wallet was funded meanwhile). */
async function balancesNow(link: RpcLink, addresses: string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  try {
    const answers = await callAll(
      { ...link, retries: 0 },
      addresses.map((a) => ({ method: 'eth_getBalance', params: [a, 'latest'] })),
    );
    answers.forEach((answer, i) => {
      if (!answer.ok) return;
      try {
        out.set(addresses[i]!.toLowerCase(), quantity(answer.result, 'balance'));
      } catch {
        // Unread: not cancelled on a guess; it is replaced as a payment.
      }
    });
  } catch {
    // Same: without balances, stuck top-ups are replaced, never cancelled.
  }
  return out;
}

/** The fees the chain asks now (for replacing a stuck top-up): one small batch. */
async function requote(
  link: RpcLink,
  sweep: ChainSweep,
  eip1559: boolean | undefined,
): Promise<FeeQuote | undefined> {
  try {
    const [block, gasPrice, tip] = await callAll({ ...link, retries: 0 }, [
      { method: 'eth_getBlockByNumber', params: ['latest', false] },
      { method: 'eth_gasPrice', params: [] },
      { method: 'eth_maxPriorityFeePerGas', params: [] },
    ]);
    const read = (o: RpcOutcome | undefined, pick: (v: unknown) => unknown) => {
      if (!o?.ok) return undefined;
      try {
        return quantity(pick(o.result), 'fee');
      } catch {
        return undefined;
      }
    };
    const baseFee = read(block, (v) => (v as { baseFeePerGas?: unknown } | null)?.baseFeePerGas);
    return quoteFees(
      {
        ...sweep,
        ...(baseFee !== undefined ? { baseFeePerGas: baseFee } : {}),
        gasPrice: read(gasPrice, (v) => v),
        maxPriorityFeePerGas: read(tip, (v) => v),
      },
      eip1559,
    );
  } catch {
    return undefined;
  }
}

/** The bank on each network after the run, as the chain holds it; the plan's projection beside it. */
function summarizeBanks(input: {
  env: ResolvedEnvironment;
  plans: NetworkPlan[];
  before: ChainSweep[];
  afterSweeps: ChainSweep[];
  sentOn: Set<string>;
  dryRun: boolean;
  bankAddress: string;
  failures: KeymasterFailure[];
}): BankSummary[] {
  const units = unitsOf(input.env);
  const banks: BankSummary[] = [];
  for (const plan of input.plans) {
    const settings = input.env.keymaster.networks[plan.network];
    if (!settings) continue;
    const reread = input.afterSweeps.find((s) => s.network === plan.network && s.ok)?.bank?.balance;
    // The latest balance the chain gave: after the sends when read again, else the first reading.
    const after: BalanceReading = reread ?? plan.bankBalance;
    const projected = plan.bankAfter;
    // A dry run alerts on what the run would leave; a real run on what the chain holds.
    const judged: BalanceReading =
      input.dryRun && projected !== undefined ? { known: true, wei: projected } : after;
    const low = judged.known && judged.wei < settings.bank.alertBelow;
    banks.push({
      network: plan.network,
      address: input.bankAddress,
      before: plan.bankBalance,
      after,
      ...(projected !== undefined ? { projected } : {}),
      alertBelow: settings.bank.alertBelow,
      reserve: settings.bank.reserve,
      low,
    });
    if (low && judged.known) {
      const amount = (wei: bigint) => formatAmount(wei, plan.network, units);
      input.failures.push({
        kind: 'bank-low',
        network: plan.network,
        address: input.bankAddress,
        message: `the bank on ${plan.network} ${input.dryRun ? 'would hold' : 'holds'} ${amount(judged.wei)}, below its alert level of ${amount(settings.bank.alertBelow)}: refill ${input.bankAddress}`,
      });
    }
  }
  return banks;
}
