import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  alertRules,
  RUNBOOK_ANCHORS,
  type AlertName,
  type AlertRule,
} from '../../src/keymaster/deploy/alerts.js';
import { PUSH_JOB, SERVICE_JOB } from '../../src/keymaster/deploy/jobs.js';
import { prometheusRule, rulesFileYaml } from '../../src/keymaster/deploy/rules-file.js';
import { promtool } from '../harness/prometheus.js';
import { testEnvironment } from './fixtures.js';

/**
 * The rules through Debian's promtool: `check rules`, then `test rules` with series for every
 * alert, each firing on the series that should fire it and quiet on their neighbours.
 */

const env = testEnvironment([
  { name: 'alpha', chainId: 1 },
  { name: 'beta', chainId: 2 },
  { name: 'gamma', chainId: 3 },
]);
// Burn compared over the last hour with the day before it (short windows keep promtool quick).
env.keymaster.burn = { ...env.keymaster.burn, alertRecentHours: 1, alertBaselineDays: 1 };
// intervalSeconds 60 (service), schedule 1800 s (cron).
const groups = alertRules(env, { scheduleSeconds: 1800, runbookUrl: 'https://runbooks.test/km' });
const rules = groups.flatMap((g) => g.rules);

const dir = mkdtempSync(path.join(tmpdir(), 'nomad-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const E = 'development';
const S = { job: SERVICE_JOB, instance: 'keymaster:9090', environment: E };
/** Pushed series: the Pushgateway's grouping labels, no instance. */
const P = { job: PUSH_JOB, environment: E };
const A = '0x00000000000000000000000000000000000000aa';
const B = '0x00000000000000000000000000000000000000bb';
const BANK = '0x000000000000000000000000000000000000ba4c';

function series(name: string, labels: Record<string, string>, values: string) {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return { series: `${name}{${body}}`, values };
}

const wallet = (network: string, role: string, address: string) => ({
  network,
  home: network,
  role,
  address,
});

/** The rule's templates with `$labels` and `$value` filled in, as Prometheus expands them. */
function expand(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '')
    .replace(/\{\{ \$value \}\}/g, value);
}

/** The alert `name` fired by the rule whose expression contains `exprPart`, on `labels`. */
function expected(
  name: AlertName,
  exprPart: string,
  labels: Record<string, string>,
  value = '',
): { exp_labels: Record<string, string>; exp_annotations: Record<string, string> } {
  const rule = rules.find((r: AlertRule) => r.alert === name && r.expr.includes(exprPart));
  if (!rule) throw new Error(`no ${name} rule with ${exprPart}`);
  const all: Record<string, string> = { ...labels, ...rule.labels };
  return {
    exp_labels: all,
    exp_annotations: Object.fromEntries(
      Object.entries(rule.annotations).map(([k, t]) => [k, expand(t, all, value)]),
    ),
  };
}

const promtoolTests = {
  rule_files: ['rules.yml'],
  evaluation_interval: '1m',
  tests: [
    {
      // The service: interval 60 s.
      interval: '1m',
      input_series: [
        series('nomad_keymaster_balance', { ...S, ...wallet('alpha', 'relayer', A) }, '0.1x20'),
        series('nomad_keymaster_lower_bound', { ...S, ...wallet('alpha', 'relayer', A) }, '0.5x20'),
        series('nomad_keymaster_balance', { ...S, ...wallet('alpha', 'watcher', B) }, '0.5x20'),
        series('nomad_keymaster_lower_bound', { ...S, ...wallet('alpha', 'watcher', B) }, '0.2x20'),
        series('nomad_keymaster_bank_balance', { ...S, network: 'alpha' }, '1x20'),
        series('nomad_keymaster_bank_alert_level', { ...S, network: 'alpha' }, '2x20'),
        series('nomad_keymaster_bank_info', { ...S, network: 'alpha', address: BANK }, '1x20'),
        series('nomad_keymaster_bank_balance', { ...S, network: 'beta' }, '5x20'),
        series('nomad_keymaster_bank_alert_level', { ...S, network: 'beta' }, '2x20'),
        series('nomad_keymaster_bank_info', { ...S, network: 'beta', address: BANK }, '1x20'),
        series('nomad_keymaster_bank_alert_level', { ...S, network: 'gamma' }, '2x20'),
        series('nomad_keymaster_unfundable', { ...S, ...wallet('alpha', 'watcher', B) }, '1x20'),
        series('nomad_keymaster_unfundable', { ...S, ...wallet('alpha', 'relayer', A) }, '0x20'),
        series('nomad_keymaster_topup_failed', { ...S, ...wallet('beta', 'relayer', A) }, '1x20'),
        series('nomad_keymaster_topup_failed', { ...S, ...wallet('alpha', 'relayer', A) }, '0x20'),
        // alpha stopped succeeding at t=0; beta succeeds every minute; gamma never did.
        series(
          'nomad_keymaster_last_success_timestamp_seconds',
          { ...S, network: 'alpha' },
          '0x20',
        ),
        series(
          'nomad_keymaster_last_success_timestamp_seconds',
          { ...S, network: 'beta' },
          '0+60x20',
        ),
        // alpha's RPC fails every minute; beta failed once long ago.
        series(
          'nomad_keymaster_rpc_errors_total',
          { ...S, network: 'alpha', method: 'batch' },
          '0+1x20',
        ),
        series(
          'nomad_keymaster_rpc_errors_total',
          { ...S, network: 'beta', method: 'batch' },
          '3x20',
        ),
        series('up', S, '0x20'),
        // Deployed with settings the bank does not record, from the third minute on.
        series('nomad_keymaster_settings_approved', S, '1 1 0x18'),
      ],
      alert_rule_test: [
        // One interval after the settings stopped being the approved ones.
        { eval_time: '2m', alertname: 'KeymasterSettingsNotApproved', exp_alerts: [] },
        {
          eval_time: '4m',
          alertname: 'KeymasterSettingsNotApproved',
          exp_alerts: [expected('KeymasterSettingsNotApproved', 'settings_approved', S, '0')],
        },
        // Pending for two intervals, firing after.
        { eval_time: '1m', alertname: 'KeymasterWalletBelowLower', exp_alerts: [] },
        {
          eval_time: '3m',
          alertname: 'KeymasterWalletBelowLower',
          exp_alerts: [
            expected(
              'KeymasterWalletBelowLower',
              SERVICE_JOB,
              { ...S, ...wallet('alpha', 'relayer', A) },
              '0.1',
            ),
          ],
        },
        {
          eval_time: '1m',
          alertname: 'KeymasterBankLow',
          exp_alerts: [
            expected(
              'KeymasterBankLow',
              'bank_balance',
              { ...S, network: 'alpha', address: BANK },
              '1',
            ),
          ],
        },
        {
          eval_time: '1m',
          alertname: 'KeymasterWalletUnfundable',
          exp_alerts: [
            expected(
              'KeymasterWalletUnfundable',
              'unfundable',
              { ...S, ...wallet('alpha', 'watcher', B) },
              '1',
            ),
          ],
        },
        {
          eval_time: '1m',
          alertname: 'KeymasterTopUpFailing',
          exp_alerts: [
            expected(
              'KeymasterTopUpFailing',
              'topup_failed',
              { ...S, ...wallet('beta', 'relayer', A) },
              '1',
            ),
          ],
        },
        // Three intervals: quiet at 3m, firing after; gamma (never swept) after three intervals too.
        { eval_time: '2m', alertname: 'KeymasterNetworkStale', exp_alerts: [] },
        {
          eval_time: '5m',
          alertname: 'KeymasterNetworkStale',
          exp_alerts: [
            expected(
              'KeymasterNetworkStale',
              `time() - nomad_keymaster_last_success_timestamp_seconds{job="${SERVICE_JOB}"`,
              { ...S, network: 'alpha' },
            ),
            expected('KeymasterNetworkStale', 'unless', { ...S, network: 'gamma' }),
          ],
        },
        { eval_time: '3m', alertname: 'KeymasterRpcErrors', exp_alerts: [] },
        {
          eval_time: '6m',
          alertname: 'KeymasterRpcErrors',
          exp_alerts: [
            expected('KeymasterRpcErrors', SERVICE_JOB, { environment: E, network: 'alpha' }),
          ],
        },
        { eval_time: '4m', alertname: 'KeymasterServiceDown', exp_alerts: [] },
        {
          eval_time: '6m',
          alertname: 'KeymasterServiceDown',
          exp_alerts: [expected('KeymasterServiceDown', 'up{', S, '0')],
        },
      ],
    },
    {
      // A healthy service: nothing fires.
      interval: '1m',
      input_series: [
        series('up', S, '1x20'),
        series('nomad_keymaster_balance', { ...S, ...wallet('alpha', 'relayer', A) }, '1x20'),
        series('nomad_keymaster_lower_bound', { ...S, ...wallet('alpha', 'relayer', A) }, '0.5x20'),
        series('nomad_keymaster_bank_balance', { ...S, network: 'alpha' }, '5x20'),
        series('nomad_keymaster_bank_alert_level', { ...S, network: 'alpha' }, '2x20'),
        series('nomad_keymaster_bank_info', { ...S, network: 'alpha', address: BANK }, '1x20'),
        series(
          'nomad_keymaster_last_success_timestamp_seconds',
          { ...S, network: 'alpha' },
          '0+60x20',
        ),
        series(
          'nomad_keymaster_rpc_errors_total',
          { ...S, network: 'alpha', method: 'batch' },
          '2x20',
        ),
        series('nomad_keymaster_topup_failed', { ...S, ...wallet('alpha', 'relayer', A) }, '0x20'),
        series('nomad_keymaster_settings_approved', S, '1x20'),
        series('nomad_keymaster_pending_settings_age_seconds', P, '0x20'),
      ],
      alert_rule_test: (Object.keys(RUNBOOK_ANCHORS) as AlertName[]).map((alertname) => ({
        eval_time: '15m',
        alertname,
        exp_alerts: [],
      })),
    },
    {
      // Not scraped at all: the service is down for as long as its `up` is absent.
      interval: '1m',
      input_series: [series('up', { ...S, job: 'something-else' }, '1x20')],
      alert_rule_test: [
        {
          eval_time: '6m',
          alertname: 'KeymasterServiceDown',
          exp_alerts: [
            expected('KeymasterServiceDown', 'absent', { job: SERVICE_JOB, environment: E }, '1'),
          ],
        },
      ],
    },
    {
      // Cron runs every 30 min through the Pushgateway: two schedules before an alert.
      interval: '1m',
      input_series: [
        series('nomad_keymaster_balance', { ...P, ...wallet('beta', 'processor', A) }, '0.1x100'),
        series(
          'nomad_keymaster_lower_bound',
          { ...P, ...wallet('beta', 'processor', A) },
          '0.5x100',
        ),
        series(
          'nomad_keymaster_last_success_timestamp_seconds',
          { ...P, network: 'alpha' },
          '0x100',
        ),
        series(
          'nomad_keymaster_last_success_timestamp_seconds',
          { ...P, network: 'beta' },
          '0+60x100',
        ),
        series(
          'nomad_keymaster_rpc_errors_total',
          { ...P, network: 'beta', method: 'eth_getBalance' },
          '2x100',
        ),
        // A change merged 23 hours before the first push, still waiting (pushed every minute here).
        series('nomad_keymaster_pending_settings_age_seconds', P, '82800+60x100'),
      ],
      alert_rule_test: [
        { eval_time: '59m', alertname: 'KeymasterWalletBelowLower', exp_alerts: [] },
        {
          eval_time: '61m',
          alertname: 'KeymasterWalletBelowLower',
          exp_alerts: [
            expected(
              'KeymasterWalletBelowLower',
              `job="${PUSH_JOB}"`,
              { ...P, ...wallet('beta', 'processor', A) },
              '0.1',
            ),
          ],
        },
        { eval_time: '59m', alertname: 'KeymasterNetworkStale', exp_alerts: [] },
        {
          eval_time: '61m',
          alertname: 'KeymasterNetworkStale',
          exp_alerts: [
            expected('KeymasterNetworkStale', `seconds{job="${PUSH_JOB}"`, {
              ...P,
              network: 'alpha',
            }),
          ],
        },
        { eval_time: '80m', alertname: 'KeymasterRpcErrors', exp_alerts: [] },
        {
          eval_time: '91m',
          alertname: 'KeymasterRpcErrors',
          exp_alerts: [
            expected('KeymasterRpcErrors', `{job="${PUSH_JOB}"`, {
              environment: E,
              network: 'beta',
            }),
          ],
        },
        // A day after the merge (minute 60), not before.
        { eval_time: '59m', alertname: 'KeymasterSettingsPending', exp_alerts: [] },
        {
          eval_time: '61m',
          alertname: 'KeymasterSettingsPending',
          exp_alerts: [expected('KeymasterSettingsPending', 'pending_settings', P, '86460')],
        },
        // Without the service, its series never exist and nothing about it fires here.
        { eval_time: '91m', alertname: 'KeymasterBankLow', exp_alerts: [] },
      ],
    },
    {
      // Burn, pushed every 10 minutes as the ledger's running totals: both wallets burn 0.01 per
      // push for 30 hours; then A burns ten times faster (an agent stuck resubmitting), B not.
      interval: '10m',
      input_series: [
        series(
          'nomad_keymaster_burn_total',
          { ...P, network: 'alpha', role: 'relayer', address: A },
          '0+0.01x180 1.9+0.1x20',
        ),
        series(
          'nomad_keymaster_burn_total',
          { ...P, network: 'alpha', role: 'watcher', address: B },
          '0+0.01x200',
        ),
      ],
      alert_rule_test: [
        { eval_time: '30h', alertname: 'KeymasterWalletBurningFast', exp_alerts: [] },
        {
          eval_time: '31h10m',
          alertname: 'KeymasterWalletBurningFast',
          exp_alerts: [
            expected('KeymasterWalletBurningFast', 'burn_total', {
              environment: E,
              network: 'alpha',
              role: 'relayer',
              address: A,
            }),
          ],
        },
      ],
    },
  ],
};

describe('the Keymaster alert rules, through promtool', () => {
  it('pass promtool check rules, as a file and as the PrometheusRule spec', () => {
    const file = path.join(dir, 'rules.yml');
    writeFileSync(file, rulesFileYaml(groups));
    const checked = promtool(['check', 'rules', file]);
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(checked.code).toBe(0);

    // The PrometheusRule carries the same groups: its spec is a valid rules file.
    const object = prometheusRule(groups, { environment: E, namespace: 'keymaster' });
    object.validate();
    const fromObject = path.join(dir, 'from-object.yml');
    const spec = JSON.parse(JSON.stringify(object)) as { kind: string; spec: unknown };
    expect(spec.kind).toBe('PrometheusRule');
    writeFileSync(fromObject, stringify(spec.spec));
    expect(promtool(['check', 'rules', fromObject]).code).toBe(0);
    expect(spec.spec).toEqual(JSON.parse(JSON.stringify({ groups })));
  });

  it('name the network, role and address in every wallet alert, and link a runbook entry', () => {
    for (const rule of rules) {
      expect(rule.annotations.runbook_url).toBe(
        `https://runbooks.test/km#${RUNBOOK_ANCHORS[rule.alert as AlertName]}`,
      );
      // The environment-wide alerts: no network to name.
      const whole = [
        'KeymasterServiceDown',
        'KeymasterSettingsNotApproved',
        'KeymasterSettingsPending',
      ];
      if (!whole.includes(rule.alert)) {
        expect(rule.annotations.summary).toContain('{{ $labels.network }}');
      }
    }
    for (const name of [
      'KeymasterWalletBelowLower',
      'KeymasterWalletUnfundable',
      'KeymasterTopUpFailing',
      'KeymasterBankLow',
      'KeymasterWalletBurningFast',
    ]) {
      for (const rule of rules.filter((r) => r.alert === name)) {
        expect(rule.annotations.summary).toContain('{{ $labels.address }}');
      }
    }
    // Every alert of the issue exists.
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(Object.keys(RUNBOOK_ANCHORS)));
  });

  it('pass promtool test rules: every alert fires on its series and stays quiet on the others', () => {
    writeFileSync(path.join(dir, 'rules.yml'), rulesFileYaml(groups));
    const tests = path.join(dir, 'tests.yml');
    writeFileSync(tests, stringify(promtoolTests, { lineWidth: 0 }));
    const run = promtool(['test', 'rules', tests]);
    expect(run.output).toContain('SUCCESS');
    expect(run.code).toBe(0);
    // Every alert is exercised with at least one firing expectation.
    const fired = new Set(
      promtoolTests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(fired).toEqual(new Set(Object.keys(RUNBOOK_ANCHORS)));
  });

  it('links runbook entries that exist: one heading per alert in docs/runbooks/keymaster-alerts.md', () => {
    const runbook = readFileSync(
      path.join(import.meta.dirname, '../../docs/runbooks/keymaster-alerts.md'),
      'utf8',
    );
    // GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces as hyphens.
    const anchors = [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
    for (const anchor of Object.values(RUNBOOK_ANCHORS)) expect(anchors).toContain(anchor);
    expect(alertRules(env).flatMap((g) => g.rules)[0]!.annotations.runbook_url).toBe(
      'https://github.com/nomad-xyz/nomad-agent-ops/blob/main/docs/runbooks/keymaster-alerts.md#keymasterwalletbelowlower',
    );
  });

  it('leaves out the service alerts for a cron-only deployment', () => {
    const cronOnly = alertRules(env, { service: false }).flatMap((g) => g.rules);
    expect(cronOnly.some((r) => r.expr.includes(SERVICE_JOB))).toBe(false);
    expect(cronOnly.some((r) => r.alert === 'KeymasterServiceDown')).toBe(false);
    expect(() => alertRules(env, { service: false, cron: false })).toThrow(/neither/);
  });
});
