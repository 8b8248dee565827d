import { formatUnits } from 'ethers';
import { Counter, type PrometheusContentType, type Registry } from 'prom-client';
import type { UnitsByNetwork } from '../../config/amounts.js';
import type { BalanceSnapshot } from '../state/ledger-snapshot.js';
import type { KeymasterRun } from '../types.js';

/**
 * What the bank spent and what wallets burned, as Prometheus counters that add up in both modes
 * (DESIGN §6, docs/runbooks/keymaster-metrics.md#totals-that-add-up):
 *
 * - `nomad_keymaster_topups_total`, `nomad_keymaster_topup_amount_total`,
 *   `nomad_keymaster_fees_total` {network, role} and `nomad_keymaster_burn_total`
 *   {network, role, address}.
 *
 * A scheduled run is a new process each time, and a Pushgateway group holds only the last push:
 * counters counted by the process would start again from the run's own top-ups at every push,
 * which Prometheus reads as a reset. So once a run has appended a balances snapshot to the
 * ledger, the counters carry the snapshot's running totals (everything since the ledger's first
 * snapshot): the same value whichever process pushes or serves them, rising only by what was
 * paid or burned. A process that has no snapshot yet (no state bucket, or a run that did not
 * hold the lease) counts its own runs when serving, and pushes none of these counters.
 */

export const SPEND_COUNTERS = [
  'nomad_keymaster_topups_total',
  'nomad_keymaster_topup_amount_total',
  'nomad_keymaster_fees_total',
  'nomad_keymaster_burn_total',
] as const;

/** Wei as a gauge or counter value: the network's native unit (18 decimals when unknown). */
export function nativeUnits(wei: bigint, network: string, units: UnitsByNetwork): number {
  return Number(formatUnits(wei, units[network]?.decimals ?? 18));
}

export class SpendMetrics {
  readonly topups: Counter<'network' | 'role'>;
  readonly topupAmount: Counter<'network' | 'role'>;
  readonly fees: Counter<'network' | 'role'>;
  readonly burn: Counter<'network' | 'role' | 'address'>;
  /** Set once the counters carry a ledger snapshot's running totals. */
  fromLedger = false;

  constructor(
    registry: Registry<PrometheusContentType>,
    private readonly units: UnitsByNetwork,
  ) {
    const registers = [registry];
    this.topups = new Counter({
      name: 'nomad_keymaster_topups_total',
      help: 'Top-up transactions mined.',
      labelNames: ['network', 'role'],
      registers,
    });
    // Named without `_total` before 0.1.0; counters end in `_total` (promtool check metrics).
    this.topupAmount = new Counter({
      name: 'nomad_keymaster_topup_amount_total',
      help: 'Amount sent in mined top-ups, in the native unit of the network.',
      labelNames: ['network', 'role'],
      registers,
    });
    this.fees = new Counter({
      name: 'nomad_keymaster_fees_total',
      help: 'Fees the bank paid for its transactions (top-ups, reverted ones and cancels), in the native unit of the network.',
      labelNames: ['network', 'role'],
      registers,
    });
    this.burn = new Counter({
      name: 'nomad_keymaster_burn_total',
      help: 'Balance an agent wallet lost between Keymaster runs (top-ups excluded), in the native unit of the network.',
      labelNames: ['network', 'role', 'address'],
      registers,
    });
  }

  private native(wei: bigint, network: string): number {
    return nativeUnits(wei, network, this.units);
  }

  /** A run: the snapshot's running totals when it appended one, else its own top-ups (until a snapshot has been seen). */
  observe(run: KeymasterRun, snapshot: BalanceSnapshot | undefined): void {
    if (snapshot) return this.adopt(snapshot);
    if (this.fromLedger) return;
    const roleOf = new Map(
      run.decisions.map((d) => [`${d.network}:${d.address.toLowerCase()}`, d.roles.join('+')]),
    );
    // Counters start at zero for every (network, role) watched, so the first top-up is an
    // increase Prometheus can see (rate() of a series born at 1 is 0).
    for (const decision of run.decisions) {
      const labels = { network: decision.network, role: decision.roles.join('+') };
      this.topups.inc(labels, 0);
      this.topupAmount.inc(labels, 0);
      this.fees.inc(labels, 0);
    }
    for (const tx of run.sent) {
      const role =
        tx.status === 'cancelled'
          ? 'bank'
          : (roleOf.get(`${tx.network}:${tx.to.toLowerCase()}`) ?? 'unknown');
      const labels = { network: tx.network, role };
      if (tx.fee !== undefined) this.fees.inc(labels, this.native(tx.fee, tx.network));
      if (tx.status !== 'mined') continue;
      this.topups.inc(labels);
      this.topupAmount.inc(labels, this.native(tx.amount, tx.network));
    }
  }

  /** The counters become the snapshot's running totals (every (network, role) watched at zero or more). */
  private adopt(snapshot: BalanceSnapshot): void {
    for (const counter of [this.topups, this.topupAmount, this.fees, this.burn]) counter.reset();
    for (const w of snapshot.wallets) {
      const labels = { network: w.network, role: w.roles.join('+') };
      this.topups.inc(labels, 0);
      this.topupAmount.inc(labels, 0);
      this.fees.inc(labels, 0);
      this.burn.inc(
        { ...labels, address: w.address },
        this.native(BigInt(w.burnTotalWei), w.network),
      );
    }
    for (const s of snapshot.spend) {
      const labels = { network: s.network, role: s.role };
      this.topups.inc(labels, s.topUps);
      this.topupAmount.inc(labels, this.native(BigInt(s.sentWei), s.network));
      this.fees.inc(labels, this.native(BigInt(s.feesWei), s.network));
    }
    this.fromLedger = true;
  }
}
