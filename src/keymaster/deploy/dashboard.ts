import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * The Keymaster's Grafana dashboard, built with Grafana's foundation SDK. One dashboard for every
 * environment (a variable picks it); the queries are exported so the tests evaluate each of them
 * against a real Prometheus.
 */

export const DASHBOARD_UID = 'nomad-keymaster';

const env = 'environment="$environment"';

/** What the runway panel says before the spend rate rests on more than the first fill. */
export const NOT_ENOUGH_HISTORY = 'not enough history';

export interface PanelQuery {
  panel: string;
  expr: string;
  legend: string;
  /** The labels every series of the query carries (what the panel's legend uses). */
  by: string[];
}

/**
 * A money counter per network. The counters carry the ledger's running totals whichever process
 * exports them (spend-metrics.ts): when the service and the cron runs both do, `max by` over the
 * jobs keeps each (network, role) once before the roles are added up.
 */
const spendIncrease = (metric: string) =>
  `sum by (network) (max by (network, role) (increase(${metric}{${env}}[$__rate_interval])))`;
const spendRate = (metric: string, range: string) =>
  `sum by (network) (max by (network, role) (rate(${metric}{${env}}[${range}])))`;

/** Every query of the dashboard, by panel. `$__rate_interval` is Grafana's. */
export const PANEL_QUERIES = {
  bankBalance: {
    panel: 'Bank balance',
    expr: `max by (network) (nomad_keymaster_bank_balance{${env}})`,
    legend: '{{network}}',
    by: ['network'],
  },
  runway: {
    panel: 'Bank runway (at the last day’s spend)',
    // Seconds (Grafana shows minutes, hours or days as the size calls for). Spend is what the
    // top-ups sent over the last day, and only once a wallet's counter rose while Prometheus
    // watched: the first fill happens at the service's start, before its first scrape, so the
    // counter's first sample already holds it. Before that there is no series, which the panel
    // shows as "not enough history".
    // Spend is what was sent and paid in fees; the counters carry the ledger's running totals in
    // both modes, so a cron-only deployment has a runway too.
    expr: `max by (network) (nomad_keymaster_bank_balance{${env}}) / ((${spendRate('nomad_keymaster_topup_amount_total', '1d')} + ${spendRate('nomad_keymaster_fees_total', '1d')}) and on (network) (max by (network) (changes(nomad_keymaster_topup_amount_total{${env}}[1d])) > 0))`,
    legend: '{{network}}',
    by: ['network'],
  },
  belowLower: {
    panel: 'Wallets below lower',
    expr: `sum by (network) (nomad_keymaster_balance{${env}} < bool nomad_keymaster_lower_bound{${env}})`,
    legend: '{{network}}',
    by: ['network'],
  },
  topUps: {
    panel: 'Top-ups',
    expr: `sum by (network) (increase(nomad_keymaster_topups_total{${env}}[$__rate_interval]))`,
    legend: '{{network}}',
    by: ['network'],
  },
  topUpAmount: {
    panel: 'Amount sent',
    expr: spendIncrease('nomad_keymaster_topup_amount_total'),
    legend: '{{network}}',
    by: ['network'],
  },
  fees: {
    panel: 'Fees paid',
    expr: spendIncrease('nomad_keymaster_fees_total'),
    legend: '{{network}}',
    by: ['network'],
  },
  rpcErrors: {
    panel: 'RPC errors',
    expr: `sum by (network, method) (increase(nomad_keymaster_rpc_errors_total{${env}}[$__rate_interval]))`,
    legend: '{{network}} {{method}}',
    by: ['network', 'method'],
  },
  lastSuccessAge: {
    panel: 'Since the last successful run',
    expr: `time() - max by (network) (nomad_keymaster_last_success_timestamp_seconds{${env}})`,
    legend: '{{network}}',
    by: ['network'],
  },
} satisfies Record<string, PanelQuery>;

const datasource = { type: 'prometheus', uid: '${datasource}' };

function target(q: PanelQuery): DataqueryBuilder {
  return new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).datasource(datasource);
}

function stat(q: PanelQuery, unit: string, x: number, y: number, w = 8): StatPanel {
  return new StatPanel()
    .title(q.panel)
    .datasource(datasource)
    .unit(unit)
    .withTarget(target(q).instant())
    .gridPos({ x, y, w, h: 6 });
}

function timeseries(q: PanelQuery, unit: string, x: number, y: number, w = 12): TimeseriesPanel {
  return new TimeseriesPanel()
    .title(q.panel)
    .datasource(datasource)
    .unit(unit)
    .withTarget(target(q))
    .gridPos({ x, y, w, h: 8 });
}

export function keymasterDashboard(): Dashboard {
  const q = PANEL_QUERIES;
  return new DashboardBuilder('Nomad Keymaster')
    .uid(DASHBOARD_UID)
    .tags(['nomad', 'keymaster'])
    .description(
      "Bank balances and runway, agent wallets below their lower bound, top-ups, amounts sent and fees paid (the ledger's running totals, in service and cron mode alike), RPC errors and the age of the last successful run, per network. Generated by nomad-ops keymaster dashboard.",
    )
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .timezone('utc')
    .withVariable(
      new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    )
    .withVariable(
      new QueryVariableBuilder('environment')
        .label('Environment')
        .datasource(datasource)
        .query('label_values(nomad_keymaster_bank_balance, environment)'),
    )
    .withRow(new RowBuilder('Bank'))
    .withPanel(timeseries(q.bankBalance, 'none', 0, 1))
    .withPanel(stat(q.runway, 's', 12, 1, 12).noValue(NOT_ENOUGH_HISTORY))
    .withRow(new RowBuilder('Wallets'))
    .withPanel(stat(q.belowLower, 'none', 0, 10))
    .withPanel(stat(q.lastSuccessAge, 's', 8, 10))
    .withPanel(timeseries(q.rpcErrors, 'none', 16, 10, 8))
    .withRow(new RowBuilder('Top-ups'))
    .withPanel(timeseries(q.topUps, 'none', 0, 19))
    .withPanel(timeseries(q.topUpAmount, 'none', 12, 19))
    .withPanel(timeseries(q.fees, 'none', 0, 28))
    .build();
}

/** The dashboard as Grafana imports it (deploy/grafana/keymaster.json). */
export function keymasterDashboardJson(): string {
  return JSON.stringify(keymasterDashboard(), null, 2) + '\n';
}
