/**
 * Burn and totals that add up, on moto and the harness chains: wallets spending at a set rate
 * across Keymaster runs a day apart (the lease's clock), top-ups in between; `ledger --burn`
 * reports each wallet's rate, and the balances snapshots' running totals equal what the runs
 * sent and paid in fees. Then three scheduled runs, each a new process pushing to Debian's
 * Pushgateway scraped by Debian's Prometheus: the totals query equals the sum of the three runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { formatEther } from 'ethers';
import type { StatefulRun } from '../../src/jobs/keymaster-state.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { latestSnapshot } from '../../src/jobs/ledger-snapshot.js';
import { PANEL_QUERIES } from '../../src/keymaster/deploy/dashboard.js';
import type { BalanceRow, TxResult } from '../../src/keymaster/types.js';
import { cli } from '../cli/helpers.js';
import {
  instantQuery,
  startPrometheus,
  startPushgateway,
  type RunningServer,
} from '../harness/prometheus.js';
import { balanceOf } from './chains.js';
import { bench, setBalance, type Bench } from './state-bench.js';

const DAY = 86_400_000;

/** Up to two significant digits, as the proposal rounds for people. */
function roundUp(wei: bigint): bigint {
  const digits = wei.toString().length;
  if (digits <= 2) return wei;
  const step = 10n ** BigInt(digits - 2);
  return ((wei + step - 1n) / step) * step;
}
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** Each wallet once per network (rows naming one address on one network share its balance). */
function wallets(rows: BalanceRow[]): BalanceRow[] {
  const seen = new Map<string, BalanceRow>();
  for (const r of rows) seen.set(`${r.network}:${r.address.toLowerCase()}`, r);
  return [...seen.values()];
}

const urlOf = (b: Bench, network: string) =>
  b.vars[b.env.networks.find((n) => n.name === network)!.rpcUrlEnv]!;

/** The wallet spends `wei` (its balance set that much lower, as gas spent would). */
async function spend(b: Bench, row: BalanceRow, wei: bigint): Promise<void> {
  const url = urlOf(b, row.network);
  await setBalance(url, row.address, (await balanceOf(url, row.address)) - wei);
}

function sums(sent: TxResult[]): Map<string, { sent: bigint; fees: bigint }> {
  const out = new Map<string, { sent: bigint; fees: bigint }>();
  for (const tx of sent) {
    const row = out.get(tx.network) ?? { sent: 0n, fees: 0n };
    row.fees += tx.fee ?? 0n;
    if (tx.status === 'mined') row.sent += tx.amount;
    out.set(tx.network, row);
  }
  return out;
}

describe('burn and totals from the ledger', () => {
  it('wallets spending a quarter of their target a day: ledger --burn reports that rate; totals add up', async () => {
    const b = await bench(undefined);
    const t0 = Date.now() - 6 * DAY;
    const runs: StatefulRun[] = [];
    for (let day = 0; day <= 4; day++) {
      if (day > 0) {
        for (const row of wallets(runs.at(-1)!.after)) await spend(b, row, row.target / 4n);
      }
      const run = (await keymasterJob(b.env, b.clients, b.vars, undefined, {
        state: { holder: 'pod:burn', clock: () => t0 + day * DAY },
      }).runOnce({ dryRun: false })) as StatefulRun;
      expect(run.failures).toEqual([]);
      expect(run.ledger?.snapshot?.seq).toBe(day + 1);
      runs.push(run);
    }
    // Top-ups happened between the measured intervals: the first fill, and on day 3 every wallet
    // (a quarter of target left, below each role's lower) again.
    expect(runs[0]!.sent.length).toBeGreaterThan(0);
    expect(runs[3]!.sent.map((t) => t.to).sort()).toEqual(runs[0]!.sent.map((t) => t.to).sort());

    const shown = await cli(
      ['keymaster', 'ledger', '--env', 'development', '--burn', '--since', '7d', '--json'],
      { cwd: b.cwd, env: b.vars },
    );
    expect(shown.code, shown.stderr).toBe(0);
    const report = JSON.parse(shown.stdout) as {
      snapshots: number;
      wallets: Array<{ network: string; address: string; dailyWei: string; measuredMs: number }>;
      roles: Array<{ network: string; role: string; wallets: number; dailyWei: string }>;
    };
    expect(report.snapshots).toBe(5);
    const expected = wallets(runs[0]!.after);
    expect(report.wallets).toHaveLength(expected.length);
    for (const row of expected) {
      const got = report.wallets.find(
        (w) => w.network === row.network && w.address.toLowerCase() === row.address.toLowerCase(),
      )!;
      const rate = row.target / 4n;
      // Within 10 % of the set rate, over the four days measured.
      const off = BigInt(got.dailyWei) - rate;
      expect(off < 0n ? -off : off).toBeLessThanOrEqual(rate / 10n);
      expect(got.measuredMs).toBe(4 * DAY);
    }
    for (const role of report.roles) {
      const members = expected.filter(
        (r) => r.network === role.network && [...r.roles].sort().join('+') === role.role,
      );
      expect(role.wallets).toBe(members.length);
      expect(BigInt(role.dailyWei)).toBe(members.reduce((s, r) => s + r.target / 4n, 0n));
    }

    // The proposal follows the rule (lower 2 days, target 5 days of the hungriest wallet's burn,
    // 2 significant digits up) and is written into the file, its comments kept.
    const file = path.join(b.cwd, 'environments/development.yaml');
    const before = readFileSync(file, 'utf8');
    const proposed = await cli(
      [
        'keymaster',
        'propose-thresholds',
        '--env',
        'development',
        '--since',
        '7d',
        '--write',
        '--json',
      ],
      { cwd: b.cwd, env: b.vars },
    );
    expect(proposed.code, proposed.stderr).toBe(0);
    const proposal = JSON.parse(proposed.stdout) as {
      changed: number;
      proposals: Array<{
        network: string;
        role: string;
        proposed: { lower: string; target: string };
      }>;
      markdown: string;
    };
    const edited = loadEnvironment('development', b.cwd);
    let rows = 0;
    for (const [network, settings] of Object.entries(b.env.keymaster.networks)) {
      for (const [role, old] of Object.entries(settings.roles)) {
        const daily = old!.target / 4n;
        const want = { lower: roundUp(2n * daily), target: roundUp(5n * daily) };
        const row = proposal.proposals.find((p) => p.network === network && p.role === role)!;
        expect(row.proposed, `${network} ${role}`).toEqual({
          lower: want.lower.toString(),
          target: want.target.toString(),
        });
        expect(edited.keymaster.networks[network]!.roles[role as 'updater']).toEqual(want);
        rows++;
      }
    }
    expect(proposal.changed).toBeGreaterThan(0);
    expect(proposal.markdown).toContain('lower = 2 days and target = 5 days');
    for (const line of before.split('\n').filter((l) => l.trimStart().startsWith('#'))) {
      expect(readFileSync(file, 'utf8')).toContain(line);
    }
    expect(rows).toBeGreaterThan(4);

    // The running totals of the last snapshot: what the five runs sent and paid, per network.
    const last = await latestSnapshot(b.objects, Date.now());
    expect(last?.seq).toBe(5);
    const paid = sums(runs.flatMap((r) => r.sent));
    for (const [network, want] of paid) {
      const rows = last!.spend.filter((s) => s.network === network);
      expect(rows.reduce((s, r) => s + BigInt(r.sentWei), 0n)).toBe(want.sent);
      expect(rows.reduce((s, r) => s + BigInt(r.feesWei), 0n)).toBe(want.fees);
    }
  }, 240_000);

  it('three scheduled runs pushed to a Pushgateway: Prometheus totals equal the three runs', async () => {
    const b = await bench(undefined);
    const pushgateway = await startPushgateway();
    servers.push(pushgateway);
    const prometheus = await startPrometheus(
      stringify({
        global: { scrape_interval: '1s' },
        scrape_configs: [
          {
            job_name: 'pushgateway',
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${pushgateway.port}`] }],
          },
        ],
      }),
    );
    servers.push(prometheus);
    const sent: TxResult[] = [];
    /** Per network, what the wallets lost between runs (set to zero after runs 1 and 2). */
    const burned = new Map<string, bigint>();
    for (let i = 0; i < 3; i++) {
      // Each run is a new process, as a scheduled workflow's is: a new job, a new registry.
      const job = keymasterJob(b.env, b.clients, b.vars, undefined, {
        state: { holder: `github:o/r/runs/${i}/1` },
      });
      const run = await job.runOnce({ dryRun: false });
      expect(run.failures).toEqual([]);
      expect(run.sent.length).toBeGreaterThan(0);
      sent.push(...run.sent);
      job.metrics.observe(run);
      await job.metrics.push(pushgateway.url);
      const want = sums(sent);
      // Scraped: the pushed counters hold everything so far, not this run's alone.
      await vi.waitFor(
        async () => {
          const got = await instantQuery(
            prometheus.url,
            'sum by (network) (nomad_keymaster_topup_amount_total{environment="development"})',
          );
          for (const [network, w] of want) {
            const sample = got.find((s) => s.metric.network === network);
            expect(Number(sample?.value[1])).toBeCloseTo(Number(formatEther(w.sent)), 12);
          }
        },
        { timeout: 30_000, interval: 250 },
      );
      // The next run finds every wallet empty again: it tops them all up.
      if (i === 2) continue;
      for (const row of wallets(run.after)) {
        if (!row.balance.known) continue;
        burned.set(row.network, (burned.get(row.network) ?? 0n) + row.balance.wei);
        await setBalance(urlOf(b, row.network), row.address, 0n);
      }
    }
    const want = sums(sent);
    expect(new Set(sent.map((t) => t.chainId)).size).toBe(2);
    const fees = await instantQuery(
      prometheus.url,
      'sum by (network) (nomad_keymaster_fees_total{environment="development"})',
    );
    const amounts = await instantQuery(
      prometheus.url,
      'sum by (network) (nomad_keymaster_topup_amount_total{environment="development"})',
    );
    for (const [network, w] of want) {
      const fee = fees.find((s) => s.metric.network === network);
      const amount = amounts.find((s) => s.metric.network === network);
      expect(Number(fee?.value[1])).toBeCloseTo(Number(formatEther(w.fees)), 15);
      expect(Number(amount?.value[1])).toBeCloseTo(Number(formatEther(w.sent)), 12);
    }
    // Burn pushed as the ledger's running totals: everything the wallets lost between runs.
    const burn = await instantQuery(
      prometheus.url,
      'sum by (network) (nomad_keymaster_burn_total{environment="development"})',
    );
    for (const [network, wei] of burned) {
      const sample = burn.find((s) => s.metric.network === network);
      expect(Number(sample?.value[1])).toBeCloseTo(Number(formatEther(wei)), 12);
    }
    // The dashboard's spend and fee panels see runs 2 and 3 as increases (never a reset).
    for (const key of ['topUpAmount', 'fees'] as const) {
      const got = await instantQuery(
        prometheus.url,
        PANEL_QUERIES[key].expr
          .replaceAll('$environment', 'development')
          .replaceAll('$__rate_interval', '10m'),
      );
      expect(got.length, key).toBeGreaterThan(0);
      for (const s of got) expect(Number(s.value[1])).toBeGreaterThan(0);
    }
  }, 240_000);
});
