import { formatInUnit, WEI } from '../../config/amounts.js';
import type { FundingAccount } from '../../inventory/types.js';
import type {
  AddressedAccount,
  DecideInput,
  DecideResult,
  Decision,
  DecisionReason,
  GasEstimate,
  NetworkPlan,
  NetworkState,
} from '../types.js';

/**
 * The top-up rule of DESIGN §6, as a pure function: balances and configuration in, one decision per
 * (network, address) out, each with its reason. Nothing here talks to a chain.
 *
 * Payment order on a network (stated, so an operator can predict who waits when the bank is short):
 * the accounts that need funds are paid from the lowest balance relative to their `lower` bound
 * (balance / lower, compared exactly in integers) to the highest; ties by address. The first account
 * that the bank or the cap cannot pay stops the network: it and every later account get the
 * stopping reason, so a smaller top-up never jumps ahead of a more urgent one.
 */

/** Reasons that leave a wallet below its `lower` bound: a run with any of them is not ok. */
export const UNFUNDED_REASONS: ReadonlySet<DecisionReason> = new Set([
  'bank-too-low',
  'cap-reached',
  'balance-unknown',
  'bank-busy',
  'unfundable',
]);

/** Map key for one address on one network (addresses compared case-insensitively). */
export function accountKey(network: string, address: string): string {
  return `${network}:${address.toLowerCase()}`;
}

interface MergedAccount {
  network: string;
  chainId: number;
  address: string;
  rows: FundingAccount[];
  lower: bigint;
  target: bigint;
}

/**
 * One entry per (network, address): the same key can appear in several rows on a chain (a
 * processor listed twice, an extra account that is also an agent). It is funded once, with the
 * strictest threshold: the highest `lower` and the highest `target` of its rows. A per-address
 * override replaces them all, as the configuration says.
 */
export function mergeAccounts(
  accounts: AddressedAccount[],
  overrides: DecideInput['overrides'] = {},
): MergedAccount[] {
  const merged = new Map<string, MergedAccount>();
  for (const account of accounts) {
    const key = accountKey(account.network, account.address);
    const existing = merged.get(key);
    if (existing) {
      existing.rows.push(account);
      if (account.lower > existing.lower) existing.lower = account.lower;
      if (account.target > existing.target) existing.target = account.target;
    } else {
      merged.set(key, {
        network: account.network,
        chainId: account.chainId,
        address: account.address,
        rows: [account],
        lower: account.lower,
        target: account.target,
      });
    }
  }
  for (const entry of merged.values()) {
    const override = overrides[entry.network]?.[entry.address.toLowerCase()];
    if (override) {
      entry.lower = override.lower;
      entry.target = override.target;
    }
    // A target below lower would pay a negative amount; treat the bound as the target.
    if (entry.target < entry.lower) entry.target = entry.lower;
  }
  return [...merged.values()];
}

/** balance/lower ascending, exactly: a.b/a.l < b.b/b.l  ⇔  a.b·b.l < b.b·a.l (lower > 0 here). */
function compareUrgency(
  a: { effective: bigint; lower: bigint; address: string },
  b: { effective: bigint; lower: bigint; address: string },
): number {
  const left = a.effective * b.lower;
  const right = b.effective * a.lower;
  if (left !== right) return left < right ? -1 : 1;
  const x = a.address.toLowerCase();
  const y = b.address.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** The decision for every (network, address) of the funding matrix. */
export function decideTopUps(input: DecideInput): DecideResult {
  const merged = mergeAccounts(input.accounts, input.overrides);
  const decisions: Decision[] = [];
  const byNetwork = new Map<string, Array<{ decision: Decision; effective: bigint }>>();

  for (const entry of merged) {
    const key = accountKey(entry.network, entry.address);
    const balance = input.balances.get(key) ?? {
      known: false as const,
      reason: 'no balance was read for this account',
    };
    const pendingIn = input.pending.get(key) ?? 0n;
    const first = entry.rows[0];
    const decision: Decision = {
      network: entry.network,
      chainId: entry.chainId,
      address: entry.address,
      rows: entry.rows,
      homes: unique(entry.rows.map((r) => r.home)),
      roles: unique(entry.rows.map((r) => r.role)),
      label: unique(entry.rows.map((r) => r.label)).join(', ') || (first?.label ?? ''),
      lower: entry.lower,
      target: entry.target,
      balance,
      pendingIn,
      amount: 0n,
      reason: 'healthy',
      detail: '',
    };
    decisions.push(decision);

    const state = input.networks[entry.network];
    if (state && state.bankAddress.toLowerCase() === entry.address.toLowerCase()) {
      decision.reason = 'is-bank';
      decision.detail = 'this is the bank; the Keymaster never pays itself';
      continue;
    }
    if (!balance.known) {
      decision.reason = 'balance-unknown';
      decision.detail = `balance could not be read (${balance.reason}); skipped, not taken as zero`;
      continue;
    }
    const effective = balance.wei + pendingIn;
    if (effective >= entry.lower) {
      decision.reason = 'healthy';
      decision.detail =
        pendingIn > 0n
          ? `at or above lower counting ${pendingIn} wei already sent and pending`
          : 'at or above lower';
      continue;
    }
    const list = byNetwork.get(entry.network) ?? [];
    list.push({ decision, effective });
    byNetwork.set(entry.network, list);
  }

  const plans: NetworkPlan[] = [];
  const networkNames = unique([...Object.keys(input.networks), ...byNetwork.keys()]);
  for (const network of networkNames) {
    const state = input.networks[network];
    const candidates = (byNetwork.get(network) ?? []).sort((a, b) =>
      compareUrgency(
        { effective: a.effective, lower: a.decision.lower, address: a.decision.address },
        { effective: b.effective, lower: b.decision.lower, address: b.decision.address },
      ),
    );
    const plan = payInOrder(network, state, candidates, input.gas);
    if (plan) plans.push(plan);
  }
  return { decisions, networks: plans };
}

function payInOrder(
  network: string,
  state: NetworkState | undefined,
  candidates: Array<{ decision: Decision; effective: bigint }>,
  gas: ReadonlyMap<string, GasEstimate> = new Map(),
): NetworkPlan | undefined {
  const stopAll = (reason: DecisionReason, detail: string) => {
    for (const { decision } of candidates) {
      decision.reason = reason;
      decision.detail = detail;
    }
  };
  if (!state) {
    stopAll('balance-unknown', `no Keymaster settings (bank reserve, cap) for ${network}`);
    return undefined;
  }
  const plan: NetworkPlan = {
    network,
    bankAddress: state.bankAddress,
    bankBalance: state.bankBalance,
    spend: 0n,
    fees: 0n,
    transfers: 0,
    bankAfter: state.bankBalance.known ? state.bankBalance.wei : undefined,
    bankLow: !state.bankBalance.known || state.bankBalance.wei < state.alertBelow,
  };
  if (!state.bankBalance.known) {
    stopAll('balance-unknown', `bank balance could not be read (${state.bankBalance.reason})`);
    return plan;
  }
  if (state.feePerTransfer === undefined) {
    stopAll('balance-unknown', 'the fee could not be estimated on this network');
    return plan;
  }
  if (state.busy !== undefined) {
    stopAll('bank-busy', state.busy);
    return plan;
  }
  const show = (wei: bigint) => formatInUnit(wei, state.unit ?? WEI);
  let available = state.bankBalance.wei;
  let stop: { reason: DecisionReason; detail: string } | undefined;
  for (const { decision, effective } of candidates) {
    const amount = decision.target - effective;
    const estimate = gas.get(accountKey(network, decision.address));
    // An unfundable recipient is skipped without stopping the others: the bank is not the problem.
    if (estimate?.kind === 'unfundable') {
      decision.reason = 'unfundable';
      decision.detail = `${estimate.reason}; no transaction is sent to it (and no fee paid) until its code or settings change`;
      continue;
    }
    const fee =
      estimate?.kind === 'ok' && state.feePerGas !== undefined
        ? estimate.gasLimit * state.feePerGas
        : state.feePerTransfer;
    if (!stop && plan.spend + amount > state.capPerRun) {
      stop = {
        reason: 'cap-reached',
        detail: `cap of ${show(state.capPerRun)} per run reached on ${network} (${show(plan.spend)} planned)`,
      };
    }
    if (!stop && available - amount - fee < state.reserve) {
      stop = {
        reason: 'bank-too-low',
        detail: `the bank on ${network} (${show(available)} left) keeps its reserve of ${show(state.reserve)} plus up to ${show(fee)} fee per transfer`,
      };
    }
    if (stop) {
      decision.reason = stop.reason;
      decision.detail = stop.detail;
      continue;
    }
    if (estimate?.kind === 'unknown') {
      decision.reason = 'balance-unknown';
      decision.detail = `the gas of a transfer to it could not be estimated (${estimate.reason}); not sent this run`;
      continue;
    }
    if (estimate?.kind === 'ok') decision.gasLimit = estimate.gasLimit;
    decision.amount = amount;
    decision.reason = 'funded';
    decision.detail =
      decision.pendingIn > 0n
        ? `below lower: topped up to target (counting ${decision.pendingIn} wei pending)`
        : 'below lower: topped up to target';
    available -= amount + fee;
    plan.spend += amount;
    plan.fees += fee;
    plan.transfers += 1;
  }
  plan.bankAfter = available;
  plan.bankLow = available < state.alertBelow;
  return plan;
}
