import { Counter, Gauge, Registry, type PrometheusContentType } from 'prom-client';
import type { UnitsByNetwork } from '../../config/amounts.js';
import { errorMessage, OperationError } from '../../errors.js';
import type { KeymasterRun } from '../types.js';
import type { BalanceSnapshot } from '../state/ledger-snapshot.js';
import { nativeUnits, SPEND_COUNTERS, SpendMetrics } from './spend-metrics.js';

/** A run as the job returns it: with its lease and the ledger snapshot it appended, when any. */
export type ObservedRun = KeymasterRun & {
  lease?: { held: boolean; holder?: unknown; message?: string };
  ledger?: { snapshot?: BalanceSnapshot };
};

/**
 * The Keymaster's Prometheus metrics (DESIGN §6), on a registry of its own so the CLI, the
 * service and tests never share state through prom-client's global registry. Labels are bounded:
 * networks, roles, configured addresses and RPC method names, never error strings.
 */
export class KeymasterMetrics {
  readonly registry = new Registry<PrometheusContentType>();
  readonly balance: Gauge<'environment' | 'network' | 'home' | 'role' | 'address'>;
  readonly bankBalance: Gauge<'environment' | 'network'>;
  /** Top-ups, amounts, fees and burn: running totals from the ledger (spend-metrics.ts). */
  readonly spend: SpendMetrics;
  readonly lowerBound: Gauge<'environment' | 'network' | 'home' | 'role' | 'address'>;
  readonly topupFailed: Gauge<'environment' | 'network' | 'home' | 'role' | 'address'>;
  readonly bankAlertLevel: Gauge<'environment' | 'network'>;
  readonly bankInfo: Gauge<'environment' | 'network' | 'address'>;
  readonly rpcErrors: Counter<'network' | 'method'>;
  readonly lastSuccess: Gauge<'network'>;
  readonly unfundable: Gauge<'environment' | 'network' | 'home' | 'role' | 'address'>;
  readonly replacements: Counter<'network'>;
  /** Last successful sweep per network, in ms since the epoch (for /healthz). */
  readonly lastSuccessAt = new Map<string, number>();
  /** Networks swept successfully by the last observed run: the groups `push` replaces. */
  sweptLastRun = new Set<string>();

  /**
   * @param alertLevels the bank alert level per network (wei), exported from the start so a
   *   network that never succeeds still has a series the stale alert can find.
   */
  constructor(
    readonly environment: string,
    private readonly units: UnitsByNetwork,
    alertLevels: Record<string, bigint> = {},
  ) {
    const registers = [this.registry];
    this.balance = new Gauge({
      name: 'nomad_keymaster_balance',
      help: 'Balance of an agent wallet, in the native unit of the network.',
      labelNames: ['environment', 'network', 'home', 'role', 'address'],
      registers,
    });
    this.bankBalance = new Gauge({
      name: 'nomad_keymaster_bank_balance',
      help: 'Balance of the Keymaster bank, in the native unit of the network.',
      labelNames: ['environment', 'network'],
      registers,
    });
    this.spend = new SpendMetrics(this.registry, units);
    this.lowerBound = new Gauge({
      name: 'nomad_keymaster_lower_bound',
      help: 'Lower bound of an agent wallet (topped up below it), in the native unit of the network.',
      labelNames: ['environment', 'network', 'home', 'role', 'address'],
      registers,
    });
    this.topupFailed = new Gauge({
      name: 'nomad_keymaster_topup_failed',
      help: "1 when the last run's top-up of the wallet was not mined, else 0.",
      labelNames: ['environment', 'network', 'home', 'role', 'address'],
      registers,
    });
    this.bankAlertLevel = new Gauge({
      name: 'nomad_keymaster_bank_alert_level',
      help: 'Alert level of the Keymaster bank, in the native unit of the network.',
      labelNames: ['environment', 'network'],
      registers,
    });
    this.bankInfo = new Gauge({
      name: 'nomad_keymaster_bank_info',
      help: 'Always 1: the address of the Keymaster bank on a network, for alerts to name it.',
      labelNames: ['environment', 'network', 'address'],
      registers,
    });
    for (const [network, wei] of Object.entries(alertLevels)) {
      this.bankAlertLevel.set({ environment, network }, this.native(wei, network));
    }
    this.rpcErrors = new Counter({
      name: 'nomad_keymaster_rpc_errors_total',
      help: "Failed JSON-RPC requests ('batch': a whole request) by network and method.",
      labelNames: ['network', 'method'],
      registers,
    });
    this.unfundable = new Gauge({
      name: 'nomad_keymaster_unfundable',
      help: '1 when no top-up can reach the wallet (a transfer to it reverts, or needs more gas than the ceiling), else 0.',
      labelNames: ['environment', 'network', 'home', 'role', 'address'],
      registers,
    });
    this.replacements = new Counter({
      name: 'nomad_keymaster_replacements_total',
      help: 'Stuck top-ups replaced at the same nonce with bumped fees.',
      labelNames: ['network'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'nomad_keymaster_last_success_timestamp_seconds',
      help: 'When the network was last swept successfully (Unix seconds).',
      labelNames: ['network'],
      registers,
    });
  }

  private native(wei: bigint, network: string): number {
    return nativeUnits(wei, network, this.units);
  }

  /** Records a run. Unknown balances leave the last value in place (never zero); staleness shows in last_success. */
  observe(run: ObservedRun): void {
    const environment = this.environment;
    const walletLabels = (w: {
      network: string;
      homes: string[];
      roles: string[];
      address: string;
    }) => ({
      environment,
      network: w.network,
      home: w.homes.join('+'),
      role: w.roles.join('+'),
      address: w.address,
    });
    for (const row of run.after) {
      this.lowerBound.set(walletLabels(row), this.native(row.lower, row.network));
      if (!row.balance.known) continue;
      this.balance.set(walletLabels(row), this.native(row.balance.wei, row.network));
    }
    const failedTo = new Set(
      run.sent
        .filter((tx) => tx.status !== 'mined')
        .map((tx) => `${tx.network}:${tx.to.toLowerCase()}`),
    );
    for (const decision of run.decisions) {
      if (run.dryRun) continue;
      const failed = failedTo.has(`${decision.network}:${decision.address.toLowerCase()}`);
      this.topupFailed.set(walletLabels(decision), failed ? 1 : 0);
    }
    // The chain's balance in every mode (a dry run's projection is not the bank's balance).
    for (const bank of run.banks) {
      this.bankInfo.set({ environment, network: bank.network, address: bank.address }, 1);
      this.bankAlertLevel.set(
        { environment, network: bank.network },
        this.native(bank.alertBelow, bank.network),
      );
      if (bank.after.known) {
        this.bankBalance.set(
          { environment, network: bank.network },
          this.native(bank.after.wei, bank.network),
        );
      }
    }
    // A run that watched while another Keymaster held the lease counts nothing: series it made
    // at zero would later jump to the ledger's totals (that payer's snapshot carries them).
    if (!(run.lease?.held === false && run.lease.holder !== undefined)) {
      this.spend.observe(run, run.ledger?.snapshot);
    }
    for (const { network, method } of run.rpcErrors) this.rpcErrors.inc({ network, method });
    for (const tx of run.sent) {
      const count = tx.replaced?.length ?? 0;
      if (count > 0) this.replacements.inc({ network: tx.network }, count);
    }
    // Per wallet of a swept network: decided unfundable, or a top-up of this run reverted.
    const swept = new Set(run.sweeps.before.filter((s) => s.ok).map((s) => s.network));
    const reverted = new Set(
      run.sent
        .filter((tx) => tx.status === 'reverted')
        .map((tx) => `${tx.network}:${tx.to.toLowerCase()}`),
    );
    for (const decision of run.decisions) {
      if (!swept.has(decision.network)) continue;
      const unfundable =
        decision.reason === 'unfundable' ||
        reverted.has(`${decision.network}:${decision.address.toLowerCase()}`);
      this.unfundable.set(walletLabels(decision), unfundable ? 1 : 0);
    }
    this.sweptLastRun = new Set(run.sweeps.before.filter((s) => s.ok).map((s) => s.network));
    for (const sweep of run.sweeps.before) {
      if (!sweep.ok) continue;
      this.lastSuccessAt.set(sweep.network, run.finishedAt);
      this.lastSuccess.set({ network: sweep.network }, Math.floor(run.finishedAt / 1000));
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Pushes to a Prometheus Pushgateway (for cron runs), one group per network:
   * `{job, environment, network}`, each PUT carrying that network's series only. A PUT replaces
   * its whole group, so only the networks swept successfully by the last run are pushed: a
   * network that failed keeps its previous group, and its last_success timestamp ages until the
   * stale alert fires. Throws once every push was tried, naming the ones that failed.
   */
  async push(
    url: string,
    jobName = 'nomad-keymaster',
    networks: Iterable<string> = this.sweptLastRun,
  ): Promise<void> {
    // Counters a process counted itself would restart at every scheduled run: pushed only
    // as the ledger's running totals (spend-metrics.ts).
    const text = this.spend.fromLedger
      ? await this.registry.metrics()
      : withoutMetrics(await this.registry.metrics(), SPEND_COUNTERS);
    const failed: string[] = [];
    await Promise.all(
      [...networks].map(async (network) => {
        const path = [
          ['job', jobName],
          ['environment', this.environment],
          ['network', network],
        ]
          .map(([label, value]) => groupingPath(label!, value!))
          .join('/');
        const target = `${url.replace(/\/+$/, '')}/metrics/${path}`;
        try {
          const response = await fetch(target, {
            method: 'PUT',
            headers: { 'content-type': this.registry.contentType },
            body: seriesOf(text, network),
            signal: AbortSignal.timeout(10_000),
          });
          if (!response.ok) {
            failed.push(
              `${network}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
            );
          }
        } catch (error) {
          failed.push(`${network}: ${errorMessage(error)}`);
        }
      }),
    );
    if (failed.length > 0) {
      throw new PushgatewayError(
        `pushing the metrics to the Pushgateway failed for ${failed.join('; ')}`,
      );
    }
  }
}

/** The exposition text without the named metrics (HELP, TYPE and samples). */
export function withoutMetrics(text: string, names: readonly string[]): string {
  const drop = (line: string) => {
    const name = line.startsWith('#') ? line.split(' ')[2] : line.split(/[{ ]/)[0];
    return names.includes(name ?? '');
  };
  return text
    .split('\n')
    .filter((line) => !drop(line))
    .join('\n');
}

/** A grouping-key path segment; values with a slash use the Pushgateway's base64 form. */
function groupingPath(label: string, value: string): string {
  if (value === '' || value.includes('/')) {
    return `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  }
  return `${label}/${encodeURIComponent(value)}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The samples of one network from the text exposition format, with the HELP and TYPE lines of
 * the metrics that have any. Every Keymaster metric carries a `network` label.
 */
export function seriesOf(text: string, network: string): string {
  const label = `network="${escapeLabelValue(network)}"`;
  const out: string[] = [];
  let header: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP')) {
      header = [line];
    } else if (line.startsWith('#')) {
      header.push(line);
    } else if (line.includes(`{${label}`) || line.includes(`,${label}`)) {
      out.push(...header, line);
      header = [];
    }
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

/** The metrics could not be pushed to (some groups of) the Pushgateway. */
export class PushgatewayError extends OperationError {}
