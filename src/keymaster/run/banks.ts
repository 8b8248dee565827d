import { formatAmount, unitsOf } from '../../config/amounts.js';
import type { ResolvedEnvironment } from '../../config/model.js';
import type {
  BalanceReading,
  BalanceRow,
  BankSummary,
  ChainSweep,
  Decision,
  KeymasterFailure,
  NetworkPlan,
} from '../types.js';

/** What a run reports of its wallets and banks, from its decisions and sweeps. Pure. */

/** One row per decision, with the balance the given sweeps hold for it. */
export function balanceRows(decisions: Decision[], sweeps: ChainSweep[]): BalanceRow[] {
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

/**
 * The bank on each network after the run, as the chain holds it; the plan's projection beside it;
 * a `bank-low` failure for each bank below its alert level.
 */
export function summarizeBanks(input: {
  env: ResolvedEnvironment;
  plans: NetworkPlan[];
  afterSweeps: ChainSweep[];
  dryRun: boolean;
  bankAddress: string;
}): { banks: BankSummary[]; failures: KeymasterFailure[] } {
  const units = unitsOf(input.env);
  const banks: BankSummary[] = [];
  const failures: KeymasterFailure[] = [];
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
      failures.push({
        kind: 'bank-low',
        network: plan.network,
        address: input.bankAddress,
        message: `the bank on ${plan.network} ${input.dryRun ? 'would hold' : 'holds'} ${amount(judged.wei)}, below its alert level of ${amount(settings.bank.alertBelow)}: refill ${input.bankAddress}`,
      });
    }
  }
  return { banks, failures };
}
