import type { AbstractSigner } from 'ethers';
import { getAddress } from 'ethers';
import type { ResolvedEnvironment, ResolvedNetwork } from '../config/model.js';
import { thresholdFor } from '../inventory/funding.js';
import type { FundingAccount } from '../inventory/types.js';
import { pendingIncoming, sweepBalances, type ChainSweep, type SweepTarget } from './balances.js';
import {
  accountKey,
  decideTopUps,
  UNFUNDED_REASONS,
  type AddressedAccount,
  type BalanceReading,
  type Decision,
  type NetworkPlan,
  type NetworkState,
} from './decide.js';
import type { FetchLike } from './rpc.js';
import { formatAmount, unitsOf } from './render.js';
import { registerRpcUrl } from '../redact.js';
import { rpcUrlReason } from './rpc-url.js';
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
 * below lower; send: a top-up not mined; signer: the signer is not the bank; bank-low: the bank is
 * below its alert level; config: the environment does not fit the request. */
export type FailureKind =
  'address' | 'rpc' | 'unfunded' | 'send' | 'signer' | 'bank-low' | 'config';

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
  /** Read after the sends; the projection in a dry run or when the chain could not be read again. */
  after: BalanceReading;
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

function usableRpcUrl(
  network: string,
  variable: string,
  value: string | undefined,
): { rpcUrl: string | undefined; missingRpcReason?: string } {
  const reason = rpcUrlReason(network, variable, value);
  return reason ? { rpcUrl: undefined, missingRpcReason: reason } : { rpcUrl: value };
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
  const sweepOptions = {
    timeoutMs: env.keymaster.rpcTimeoutSeconds * 1000,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    signal: options.signal,
    fetch: options.fetch,
  };
  const targets: SweepTarget[] = networks.map((n) => ({
    network: n.name,
    chainId: n.chainId,
    // A value that is not an http(s) URL is reported by its variable, never by its value.
    ...usableRpcUrl(n.name, n.rpcUrlEnv, options.rpcUrls[n.name]),
    addresses: accounts.filter((a) => a.network === n.name).map((a) => a.address),
    bank: bankAddress,
  }));

  logger?.info(`sweeping ${accounts.length} wallet rows on ${networks.length} network(s)`);
  const before = await sweepBalances(targets, sweepOptions);
  const rpcErrors = before.flatMap((s) =>
    s.rpcErrors.map((method) => ({ network: s.network, method })),
  );
  for (const sweep of before) {
    if (!sweep.ok) {
      failures.push({
        kind: 'rpc',
        network: sweep.network,
        message: sweep.error ?? 'sweep failed',
      });
      logger?.warn(`${sweep.network}: ${sweep.error}`);
    }
  }

  const quotes = new Map<string, FeeQuote | undefined>();
  const states: Record<string, NetworkState> = {};
  for (const sweep of before) {
    const settings = env.keymaster.networks[sweep.network];
    const network = networks.find((n) => n.name === sweep.network);
    if (!settings) continue;
    const quote = sweep.ok ? quoteFees(sweep, network?.eip1559) : undefined;
    quotes.set(sweep.network, quote);
    states[sweep.network] = {
      network: sweep.network,
      bankAddress,
      bankBalance: sweep.bank?.balance ?? { known: false, reason: 'the bank was not read' },
      feePerTransfer: quote ? maxFeePerTransfer(quote) : undefined,
      reserve: settings.bank.reserve,
      alertBelow: settings.bank.alertBelow,
      capPerRun: settings.capPerRun,
      ...(sweep.bank?.busy ? { busy: sweep.bank.busy } : {}),
    };
  }
  const balances = new Map<string, BalanceReading>();
  for (const sweep of before) {
    for (const [address, reading] of sweep.balances) {
      balances.set(accountKey(sweep.network, address), reading);
    }
  }
  const { decisions, networks: plans } = decideTopUps({
    accounts,
    balances,
    pending: pendingIncoming(before),
    networks: states,
  });
  const sweptOk = new Set(before.filter((s) => s.ok).map((s) => s.network));
  for (const d of decisions) {
    if (!UNFUNDED_REASONS.has(d.reason) || !sweptOk.has(d.network)) continue;
    failures.push({
      kind: 'unfunded',
      network: d.network,
      address: d.address,
      message: `${d.label} (${d.address}) on ${d.network} stays below its lower bound: ${d.reason}: ${d.detail}`,
    });
  }

  const sent = dryRun
    ? []
    : await sendPlanned({
        options,
        networks,
        decisions,
        before,
        quotes,
        bankAddress,
        failures,
        rpcErrors,
      });

  const sentOn = new Set(sent.map((t) => t.network));
  let afterSweeps: ChainSweep[] = [];
  if (sentOn.size > 0) {
    afterSweeps = await sweepBalances(
      targets.filter((t) => sentOn.has(t.network)),
      sweepOptions,
    );
    for (const s of afterSweeps) {
      rpcErrors.push(...s.rpcErrors.map((method) => ({ network: s.network, method })));
    }
  }
  const latest = before.map((s) => afterSweeps.find((a) => a.network === s.network && a.ok) ?? s);

  const banks = summarizeBanks({ env, plans, afterSweeps, sentOn, dryRun, bankAddress, failures });
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

/** Sends the funded decisions of every network in parallel, from the bank's pending nonce. */
async function sendPlanned(input: {
  options: RunKeymasterOptions;
  networks: ResolvedNetwork[];
  decisions: Decision[];
  before: ChainSweep[];
  quotes: Map<string, FeeQuote | undefined>;
  bankAddress: string;
  failures: KeymasterFailure[];
  rpcErrors: Array<{ network: string; method: string }>;
}): Promise<TxResult[]> {
  const { options, bankAddress, failures } = input;
  const { env } = options;
  const sends = input.networks.map(async (network): Promise<TxResult[]> => {
    const funded = input.decisions.filter(
      (d) => d.network === network.name && d.reason === 'funded',
    );
    const sweep = input.before.find((s) => s.network === network.name);
    const quote = input.quotes.get(network.name);
    if (funded.length === 0 || !sweep?.bank || !quote) return [];
    const signer =
      typeof options.bankSigner === 'function'
        ? options.bankSigner(network.name)
        : options.bankSigner;
    const url = options.rpcUrls[network.name];
    if (!signer || !url) {
      failures.push({
        kind: 'signer',
        network: network.name,
        message: `no bank signer for ${network.name}: nothing sent`,
      });
      return [];
    }
    const signerAddress = getAddress(await signer.getAddress());
    if (signerAddress !== bankAddress) {
      failures.push({
        kind: 'signer',
        network: network.name,
        message: `the bank signer is ${signerAddress}, expected ${bankAddress}: nothing sent`,
      });
      return [];
    }
    options.logger?.info(`${network.name}: sending ${funded.length} top-up(s)`);
    return sendTopUps({
      network: network.name,
      chainId: network.chainId,
      rpcUrl: url,
      signer,
      fees: quote,
      startNonce: sweep.bank.pendingNonce,
      transfers: funded.map((d) => ({ to: d.address, amount: d.amount })),
      rpcTimeoutMs: env.keymaster.rpcTimeoutSeconds * 1000,
      receiptTimeoutMs: env.keymaster.receiptTimeoutSeconds * 1000,
      pollIntervalMs: options.pollIntervalMs,
      signal: options.signal,
      fetch: options.fetch,
      onRpcError: (method) => input.rpcErrors.push({ network: network.name, method }),
    });
  });
  const sent = (await Promise.all(sends)).flat();
  for (const tx of sent) {
    if (tx.status === 'mined') continue;
    failures.push({
      kind: 'send',
      network: tx.network,
      address: tx.to,
      message:
        `top-up of ${tx.to} on ${tx.network} (nonce ${tx.nonce}${tx.hash ? `, ${tx.hash}` : ''}) ${tx.status}: ${tx.error ?? ''}`.trim(),
    });
  }
  return sent;
}

/** The bank on each network after the run: read again when something was sent, else as planned. */
function summarizeBanks(input: {
  env: ResolvedEnvironment;
  plans: NetworkPlan[];
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
    // Nothing sent on the network: the bank is where it was, whatever was planned.
    const after: BalanceReading =
      reread ??
      (!input.dryRun && !input.sentOn.has(plan.network)
        ? plan.bankBalance
        : plan.bankAfter !== undefined
          ? { known: true, wei: plan.bankAfter }
          : { known: false, reason: 'the bank balance could not be read' });
    const low = after.known && after.wei < settings.bank.alertBelow;
    banks.push({
      network: plan.network,
      address: input.bankAddress,
      before: plan.bankBalance,
      after,
      alertBelow: settings.bank.alertBelow,
      reserve: settings.bank.reserve,
      low,
    });
    if (low) {
      const amount = (wei: bigint) => formatAmount(wei, plan.network, units);
      input.failures.push({
        kind: 'bank-low',
        network: plan.network,
        address: input.bankAddress,
        message: `the bank on ${plan.network} ${input.dryRun ? 'would hold' : 'holds'} ${amount(after.wei)}, below its alert level of ${amount(settings.bank.alertBelow)}: refill ${input.bankAddress}`,
      });
    }
  }
  return banks;
}
