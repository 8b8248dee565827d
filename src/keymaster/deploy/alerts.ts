import type { ResolvedEnvironment } from '../../config/model.js';
import { InputError } from '../../errors.js';
import { STALE_INTERVALS } from '../service/service.js';
import { DEFAULT_SCHEDULE_SECONDS } from './defaults.js';
import { PUSH_JOB, SERVICE_JOB } from './jobs.js';

/**
 * The Keymaster's Prometheus alert rules, as data: the one source of the plain rules file and of
 * the PrometheusRule object. Every expression selects `environment="<env>"` (the service's
 * series get that label from the scrape, the pushed ones from the grouping key) and a `job`:
 * the service's scrape job or the Pushgateway's group, whose cadences differ.
 */

export interface AlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration, e.g. `240s`; omitted: fires on the first evaluation. */
  for?: string;
  /** severity; rules per cadence also carry `keymaster: service|cron` (promtool refuses duplicates). */
  labels: { severity: 'warning' | 'critical'; keymaster?: 'service' | 'cron'; since?: 'start' };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface AlertOptions {
  /** Alert on the service's scrape job (default true). */
  service?: boolean;
  /** Alert on the cron runs pushed to the Pushgateway (default true). */
  cron?: boolean;
  /** Seconds between scheduled runs (default 1800: `.github/workflows/keymaster.yml` runs twice an hour). */
  scheduleSeconds?: number;
  /** Where the runbook lives; anchors are appended (default: this repository's runbook on GitHub). */
  runbookUrl?: string;
}

export { DEFAULT_SCHEDULE_SECONDS };

/** How long the service waits for a down target before alerting. */
const SERVICE_DOWN_FOR_SECONDS = 300;

/** Alert name -> runbook anchor in docs/runbooks/keymaster-alerts.md. */
export const RUNBOOK_ANCHORS = {
  KeymasterWalletBelowLower: 'keymasterwalletbelowlower',
  KeymasterBankLow: 'keymasterbanklow',
  KeymasterWalletUnfundable: 'keymasterwalletunfundable',
  KeymasterTopUpFailing: 'keymastertopupfailing',
  KeymasterNetworkStale: 'keymasternetworkstale',
  KeymasterRpcErrors: 'keymasterrpcerrors',
  KeymasterServiceDown: 'keymasterservicedown',
  KeymasterSettingsNotApproved: 'keymastersettingsnotapproved',
  KeymasterSettingsPending: 'keymastersettingspending',
  KeymasterWalletBurningFast: 'keymasterwalletburningfast',
} as const;

/** A merged funding change waiting longer than this raises KeymasterSettingsPending. */
export const PENDING_SETTINGS_ALERT_SECONDS = 86_400;

export type AlertName = keyof typeof RUNBOOK_ANCHORS;

function defaultRunbookUrl(env: ResolvedEnvironment): string {
  const repository = env.github.repository ?? 'nomad-xyz/nomad-agent-ops';
  return `https://github.com/${repository}/blob/main/docs/runbooks/keymaster-alerts.md`;
}

/** Whole seconds as a Prometheus duration. */
function seconds(n: number): string {
  return `${Math.round(n)}s`;
}

function selector(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

interface Cadence {
  kind: 'service' | 'cron';
  job: string;
  /** Seconds between runs. */
  every: number;
  /** How many runs without success make a network stale. */
  staleRuns: number;
}

export function cadencesOf(env: ResolvedEnvironment, options: AlertOptions = {}): Cadence[] {
  const out: Cadence[] = [];
  if (options.service ?? true) {
    out.push({
      kind: 'service',
      job: SERVICE_JOB,
      every: env.keymaster.intervalSeconds,
      staleRuns: STALE_INTERVALS,
    });
  }
  if (options.cron ?? true) {
    out.push({
      kind: 'cron',
      job: PUSH_JOB,
      every: options.scheduleSeconds ?? DEFAULT_SCHEDULE_SECONDS,
      staleRuns: 2,
    });
  }
  return out;
}

const WALLET = '{{ $labels.role }} wallet {{ $labels.address }} on {{ $labels.network }}';

/** The alert rules of one environment: one group, every alert of §2 of issue 20. */
export function alertRules(env: ResolvedEnvironment, options: AlertOptions = {}): RuleGroup[] {
  const cadences = cadencesOf(env, options);
  if (cadences.length === 0) {
    throw new InputError(
      'alert rules for neither the service nor the cron runs: enable one of them',
    );
  }
  if (options.scheduleSeconds !== undefined && !(options.scheduleSeconds >= 60)) {
    throw new InputError(`the schedule of ${options.scheduleSeconds}s is below a minute`);
  }
  const runbook = options.runbookUrl ?? defaultRunbookUrl(env);
  const link = (name: AlertName) => `${runbook}#${RUNBOOK_ANCHORS[name]}`;
  const environment = env.name;
  const all = selector({ environment });
  const rules: AlertRule[] = [];

  for (const c of cadences) {
    const sel = selector({ job: c.job, environment });
    const runs = c.kind === 'service' ? 'intervals' : 'scheduled runs';
    rules.push({
      alert: 'KeymasterWalletBelowLower',
      expr: `nomad_keymaster_balance${sel} < nomad_keymaster_lower_bound${sel}`,
      for: seconds(2 * c.every),
      labels: { severity: 'warning', keymaster: c.kind },
      annotations: {
        summary: `${environment}: ${WALLET} below its lower bound for two ${runs}`,
        description: `The ${c.kind} Keymaster has not topped up the ${WALLET} (home {{ $labels.home }}): it holds {{ $value }}, below its lower bound, for longer than two ${runs} (${seconds(2 * c.every)}).`,
        runbook_url: link('KeymasterWalletBelowLower'),
      },
    });
  }

  rules.push({
    alert: 'KeymasterBankLow',
    // The bank's address comes from bank_info, the balance from bank_balance: one series per job.
    expr: `(nomad_keymaster_bank_balance${all} < on(job, instance, environment, network) nomad_keymaster_bank_alert_level${all}) * on(job, instance, environment, network) group_left(address) nomad_keymaster_bank_info${all}`,
    labels: { severity: 'critical' },
    annotations: {
      summary: `${environment}: the bank {{ $labels.address }} on {{ $labels.network }} is below its alert level`,
      description:
        'The Keymaster bank (role bank, address {{ $labels.address }}) on {{ $labels.network }} holds {{ $value }}, below its alertBelow. Refill it before wallets go unfunded.',
      runbook_url: link('KeymasterBankLow'),
    },
  });
  rules.push({
    alert: 'KeymasterWalletUnfundable',
    expr: `nomad_keymaster_unfundable${all} > 0`,
    labels: { severity: 'critical' },
    annotations: {
      summary: `${environment}: ${WALLET} is unfundable: a transfer to it reverts`,
      description: `A transfer to the ${WALLET} reverts, so the Keymaster no longer pays fees trying. It stays unfunded until its settings change.`,
      runbook_url: link('KeymasterWalletUnfundable'),
    },
  });
  rules.push({
    alert: 'KeymasterTopUpFailing',
    expr: `nomad_keymaster_topup_failed${all} > 0`,
    labels: { severity: 'critical' },
    annotations: {
      summary: `${environment}: the last top-up of the ${WALLET} was not mined`,
      description: `The Keymaster sent a top-up to the ${WALLET} (home {{ $labels.home }}) in its last run and it was not mined (reverted, refused, unsigned or timed out).`,
      runbook_url: link('KeymasterTopUpFailing'),
    },
  });

  for (const c of cadences) {
    const sel = selector({ job: c.job, environment });
    const limit = c.staleRuns * c.every;
    const runs = c.kind === 'service' ? `${c.staleRuns} intervals` : `${c.staleRuns} schedules`;
    const stale = {
      alert: 'KeymasterNetworkStale',
      labels: { severity: 'critical' as const, keymaster: c.kind },
      annotations: {
        summary: `${environment}: no successful ${c.kind} Keymaster run on {{ $labels.network }} in ${runs}`,
        description: `The ${c.kind} Keymaster (job ${c.job}) has not swept {{ $labels.network }} successfully for longer than ${runs} (${seconds(limit)}): wallets there (every role, every address) are not being watched or funded.`,
        runbook_url: link('KeymasterNetworkStale'),
      },
    };
    rules.push({
      ...stale,
      expr: `time() - nomad_keymaster_last_success_timestamp_seconds${sel} > ${limit}`,
    });
    if (c.kind === 'service') {
      // A network never swept since the service started has no timestamp: the alert level
      // series exists for every configured network from the start.
      rules.push({
        ...stale,
        expr: `nomad_keymaster_bank_alert_level${sel} unless on(job, instance, environment, network) nomad_keymaster_last_success_timestamp_seconds${sel}`,
        for: seconds(limit),
        labels: { ...stale.labels, since: 'start' },
      });
    }
  }

  for (const c of cadences) {
    const sel = selector({ job: c.job, environment });
    // The service's counter grows across runs; a cron run pushes its own count, replaced by the next push.
    const expr =
      c.kind === 'service'
        ? `sum by (environment, network) (rate(nomad_keymaster_rpc_errors_total${sel}[${seconds(2 * c.every)}])) > 0`
        : `sum by (environment, network) (nomad_keymaster_rpc_errors_total${sel}) > 0`;
    rules.push({
      alert: 'KeymasterRpcErrors',
      expr,
      for: seconds(3 * c.every),
      labels: { severity: 'warning', keymaster: c.kind },
      annotations: {
        summary: `${environment}: JSON-RPC errors on {{ $labels.network }} for ${3} ${c.kind === 'service' ? 'intervals' : 'schedules'}`,
        description: `The ${c.kind} Keymaster's JSON-RPC requests to {{ $labels.network }} keep failing (every role and address on that network is affected). Check the provider behind the network's rpcUrlEnv.`,
        runbook_url: link('KeymasterRpcErrors'),
      },
    });
  }

  if (cadences.some((c) => c.kind === 'service')) {
    const sel = selector({ job: SERVICE_JOB, environment });
    rules.push({
      alert: 'KeymasterServiceDown',
      expr: `up${sel} == 0 or absent(up${sel})`,
      for: seconds(SERVICE_DOWN_FOR_SECONDS),
      labels: { severity: 'critical' },
      annotations: {
        summary: `${environment}: the Keymaster service is down or not scraped`,
        description: `Prometheus cannot scrape the Keymaster service (job ${SERVICE_JOB}) of ${environment}: no wallet (any network, role or address) is being funded by it.`,
        runbook_url: link('KeymasterServiceDown'),
      },
    });
  }

  rules.push(burnRule(env, link));
  rules.push(...approvalRules(environment, cadences, link));
  return [{ name: `nomad-keymaster-${environment}`, rules }];
}

/**
 * A wallet burning `alertFactor` times faster over the last `alertRecentHours` than over the
 * `alertBaselineDays` before them (keymaster.burn in the file). `nomad_keymaster_burn_total`
 * carries the ledger's running totals in both modes (spend-metrics.ts); `max by` keeps a
 * wallet's series once when the service and the cron runs both export it.
 */
function burnRule(env: ResolvedEnvironment, link: (name: AlertName) => string): AlertRule {
  const { alertFactor, alertRecentHours, alertBaselineDays } = env.keymaster.burn;
  const sel = selector({ environment: env.name });
  const by = 'max by (environment, network, role, address)';
  const recent = `${by} (rate(nomad_keymaster_burn_total${sel}[${alertRecentHours}h]))`;
  const usual = `${by} (rate(nomad_keymaster_burn_total${sel}[${alertBaselineDays}d] offset ${alertRecentHours}h))`;
  return {
    alert: 'KeymasterWalletBurningFast',
    expr: `${recent} > ${alertFactor} * ${usual} and ${usual} > 0`,
    labels: { severity: 'warning' },
    annotations: {
      summary: `${env.name}: ${WALLET} burns more than ${alertFactor}× its usual rate`,
      description: `Over the last ${alertRecentHours} h the ${WALLET} lost balance (top-ups excluded) more than ${alertFactor} times faster than over the ${alertBaselineDays} days before. An agent stuck resubmitting a transaction drains its wallet and the bank behind it (keymaster.burn in the environment file sets the factor and windows).`,
      runbook_url: link('KeymasterWalletBurningFast'),
    },
  };
}

/** Settings that are not the approved ones (the service), a change waiting too long (cron). */
function approvalRules(
  environment: string,
  cadences: Cadence[],
  link: (name: AlertName) => string,
): AlertRule[] {
  const rules: AlertRule[] = [];
  const service = cadences.find((c) => c.kind === 'service');
  if (service) {
    rules.push({
      alert: 'KeymasterSettingsNotApproved',
      expr: `nomad_keymaster_settings_approved${selector({ job: SERVICE_JOB, environment })} == 0`,
      for: seconds(service.every),
      labels: { severity: 'critical' },
      annotations: {
        summary: `${environment}: the Keymaster service runs funding settings that are not the approved ones and sends nothing`,
        description: `The settings the Keymaster service of ${environment} was deployed with are not the ones the last apply recorded on the bank, so it pays no wallet on any network. Deploy the approved commit (\`nomad-ops keymaster approved --env ${environment}\`).`,
        runbook_url: link('KeymasterSettingsNotApproved'),
      },
    });
  }
  if (cadences.some((c) => c.kind === 'cron')) {
    rules.push({
      alert: 'KeymasterSettingsPending',
      expr: `nomad_keymaster_pending_settings_age_seconds${selector({ job: PUSH_JOB, environment })} > ${PENDING_SETTINGS_ALERT_SECONDS}`,
      labels: { severity: 'warning' },
      annotations: {
        summary: `${environment}: a merged funding change has waited more than a day for approval`,
        description: `A funding change of ${environment} was merged {{ $value }} seconds ago and no apply has recorded it: the Keymaster still pays the approved settings on every network. Approve the apply workflow's production job, or revert the change.`,
        runbook_url: link('KeymasterSettingsPending'),
      },
    });
  }
  return rules;
}
