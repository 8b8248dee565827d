import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { alertRules } from '../../src/keymaster/deploy/alerts.js';
import { PANEL_QUERIES } from '../../src/keymaster/deploy/dashboard.js';
import { PUSH_JOB, SERVICE_JOB } from '../../src/keymaster/deploy/jobs.js';
import { rulesFileYaml } from '../../src/keymaster/deploy/rules-file.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { cli, repoRoot, TSX_LOADER } from '../cli/helpers.js';
import { nextAccountId, requireChains } from '../harness/emulators.js';
import { killOnExit } from '../harness/process.js';
import {
  instantQuery,
  promtool,
  requireBinary,
  startPrometheus,
  startPushgateway,
  type RunningServer,
  type Sample,
} from '../harness/prometheus.js';
import { runAction } from '../harness/run-action.js';
import { closedPortUrl } from './rpc-proxy.js';

/**
 * The Keymaster against Debian's Prometheus and Pushgateway on 127.0.0.1: the action's cron
 * push and `keymaster serve`, both scraped; every alert expression and every dashboard query
 * evaluated through Prometheus's HTTP API; a bank drained on a chain fires the bank alert.
 */

const ACCOUNT = nextAccountId();
const ETH = 10n ** 18n;

let workspace: string;
let vars: Record<string, string>;
let pushgateway: RunningServer;
let recorder: {
  url: string;
  bodies: Array<{ path: string; body: string }>;
  close(): Promise<void>;
};
let prometheus: RunningServer | undefined;
let serve: ChildProcess | undefined;
let serveUrl: string;
let bankAddress: string;

/** Sets an account's balance on a Hardhat chain (no funding key, no nonce shared with anyone). */
async function setBalance(url: string, address: string, wei: bigint): Promise<void> {
  await rpcCall(
    url,
    { method: 'hardhat_setBalance', params: [address, `0x${wei.toString(16)}`] },
    { timeoutMs: 5000 },
  );
}

/** A Pushgateway in front of the real one that keeps every body pushed through it. */
async function recordingProxy(target: string): Promise<typeof recorder> {
  const bodies: Array<{ path: string; body: string }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      bodies.push({ path: request.url ?? '', body });
      fetch(`${target}${request.url ?? ''}`, {
        method: request.method ?? 'GET',
        headers: { 'content-type': request.headers['content-type'] ?? 'text/plain' },
        ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
      }).then(
        async (r) => response.writeHead(r.status).end(await r.text()),
        () => response.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function labelsOf(samples: Sample[], label: string): string[] {
  return [...new Set(samples.map((s) => s.metric[label] ?? ''))].sort();
}

/** A query with Grafana's variables filled in as the dashboard would. */
function asGrafana(expr: string): string {
  return expr.replaceAll('$environment', 'development').replaceAll('$__rate_interval', '1m');
}

beforeAll(async () => {
  // Fail with what to install, before any work, when a binary is missing.
  for (const binary of ['promtool', 'prometheus', 'prometheus-pushgateway'] as const) {
    requireBinary(binary);
  }
  ({ cwd: workspace, vars } = await developmentWorkspace(ACCOUNT));
  // A third network whose RPC never answers: RPC errors and a network never swept.
  const file = path.join(workspace, 'environments/development.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace('keymaster:\n', 'keymaster:\n  intervalSeconds: 10\n')
      .replace(
        '\nkeymaster:',
        '\n  - { name: gamma, chainId: 31399, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: GAMMA_RPC_URL }\nkeymaster:',
      )
      .replace('    beta: *net\n', '    beta: *net\n    gamma: *net\n'),
  );
  vars.GAMMA_RPC_URL = await closedPortUrl();
  pushgateway = await startPushgateway();
  recorder = await recordingProxy(pushgateway.url);
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve!.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  await prometheus?.stop();
  await recorder?.close();
  await pushgateway?.stop();
});

describe('the Keymaster with a real Prometheus and Pushgateway', () => {
  it('pushes and serves metrics promtool accepts; every alert and panel query evaluates; a drained bank alerts', async () => {
    const keys = await cli(['keys', 'apply', '--env', 'development', '--json'], {
      cwd: workspace,
      env: vars,
    });
    expect(keys.code, keys.stderr).toBe(0);
    bankAddress = (
      JSON.parse(keys.stdout) as { keys: Array<{ purpose: string; address: string }> }
    ).keys.find((k) => k.purpose === 'bank')!.address;
    const [alpha, beta] = requireChains();
    for (const chain of [alpha!, beta!]) await setBalance(chain.url, bankAddress, 50n * ETH);

    // The cron run: the action tops up and pushes one group per network it swept.
    const run = await runAction('keymaster', {
      inputs: { environment: 'development', mode: 'top-up', 'pushgateway-url': recorder.url },
      workspace,
      env: vars,
    });
    // gamma cannot be read: the run fails, after funding alpha and beta and pushing them.
    expect(run.exitCode).toBe(1);
    expect(Number(run.outputs['top-ups'])).toBeGreaterThan(0);
    const pushes = recorder.bodies.filter((b) => b.path.startsWith('/metrics/job/'));
    expect(pushes.map((p) => p.path).sort()).toEqual([
      `/metrics/job/${PUSH_JOB}/environment/development/network/alpha`,
      `/metrics/job/${PUSH_JOB}/environment/development/network/beta`,
    ]);
    for (const push of pushes) {
      const checked = promtool(['check', 'metrics'], push.body);
      expect(checked.output, push.path).toBe('');
      expect(checked.code).toBe(0);
      // No state bucket here, so no ledger: the money counters are pushed only as the ledger's
      // running totals (a count of this run alone would read as a reset), so none is pushed.
      expect(push.body).not.toContain('nomad_keymaster_topup_amount_total');
      expect(push.body).toContain('nomad_keymaster_last_success_timestamp_seconds{');
    }

    // The service.
    const child = spawn(
      process.execPath,
      [
        '--import',
        TSX_LOADER,
        path.join(repoRoot, 'src/cli/main.ts'),
        'keymaster',
        'serve',
        '--env',
        'development',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
      ],
      {
        cwd: workspace,
        env: { PATH: process.env.PATH, ...vars },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    serve = child;
    killOnExit(child);
    let stderr = '';
    serveUrl = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const live = await vi.waitFor(
      async () => {
        const text = await (await fetch(`${serveUrl}/metrics`)).text();
        if (!text.includes('nomad_keymaster_last_success_timestamp_seconds{')) {
          throw new Error('no run yet');
        }
        return text;
      },
      { timeout: 60_000, interval: 200 },
    );
    const checked = promtool(['check', 'metrics'], live);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);

    // Prometheus scrapes both, with the rules of this environment loaded.
    const env = loadEnvironment('development', workspace);
    const groups = alertRules(env);
    const servePort = new URL(serveUrl).port;
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['rules.yml'],
      scrape_configs: [
        {
          job_name: SERVICE_JOB,
          honor_labels: true,
          static_configs: [
            { targets: [`127.0.0.1:${servePort}`], labels: { environment: 'development' } },
          ],
        },
        {
          job_name: 'pushgateway',
          honor_labels: true,
          static_configs: [{ targets: [`127.0.0.1:${pushgateway.port}`] }],
        },
      ],
    };
    prometheus = await startPrometheus(stringify(config), { 'rules.yml': rulesFileYaml(groups) });
    const prom = prometheus.url;

    for (const job of [SERVICE_JOB, PUSH_JOB]) {
      await vi.waitFor(
        async () => {
          const got = await instantQuery(
            prom,
            `nomad_keymaster_bank_balance{job="${job}",environment="development"}`,
          );
          expect(labelsOf(got, 'network')).toEqual(['alpha', 'beta']);
        },
        { timeout: 60_000, interval: 250 },
      );
    }

    // The service tops up a wallet drained on alpha, so its counters rise under Prometheus's eyes.
    const relayer = (
      await instantQuery(
        prom,
        `nomad_keymaster_balance{job="${SERVICE_JOB}",network="alpha",home="beta",role="relayer"}`,
      )
    )[0]!.metric.address!;
    await setBalance(alpha!.url, relayer, 0n);
    await vi.waitFor(
      async () => {
        const got = await instantQuery(
          prom,
          asGrafana(PANEL_QUERIES.runway.expr.replaceAll('[1d]', '[10m]')),
        );
        const alphaRunway = got.find((s) => s.metric.network === 'alpha');
        expect(Number(alphaRunway?.value[1])).toBeGreaterThan(0);
        expect(Number.isFinite(Number(alphaRunway?.value[1]))).toBe(true);
      },
      { timeout: 90_000, interval: 500 },
    );

    // Every alert expression evaluates; the series each alert reads are there for both jobs.
    const rules = groups.flatMap((g) => g.rules);
    for (const rule of rules) await instantQuery(prom, rule.expr);
    for (const [metric, jobs] of Object.entries({
      nomad_keymaster_balance: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_lower_bound: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_bank_balance: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_bank_alert_level: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_bank_info: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_topup_failed: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_last_success_timestamp_seconds: [SERVICE_JOB, PUSH_JOB],
      nomad_keymaster_rpc_errors_total: [SERVICE_JOB],
      up: [SERVICE_JOB],
    })) {
      for (const job of jobs) {
        const got = await instantQuery(prom, `${metric}{job="${job}",environment="development"}`);
        expect(got.length, `${metric} of ${job}`).toBeGreaterThan(0);
      }
    }
    const byAlert = async (name: string, part = '') =>
      (
        await Promise.all(
          rules
            .filter((r) => r.alert === name && r.expr.includes(part))
            .map((r) => instantQuery(prom, r.expr)),
        )
      ).flat();
    // gamma was never swept by the service: the stale expression holds it, and nothing else.
    expect(labelsOf(await byAlert('KeymasterNetworkStale', SERVICE_JOB), 'network')).toEqual([
      'gamma',
    ]);
    expect(await byAlert('KeymasterServiceDown')).toEqual([]);
    expect(await byAlert('KeymasterTopUpFailing')).toEqual([]);
    expect(await byAlert('KeymasterBankLow')).toEqual([]);

    // Every panel's query returns the series the panel draws.
    const expectedNetworks: Record<keyof typeof PANEL_QUERIES, string[]> = {
      bankBalance: ['alpha', 'beta'],
      // beta had only the first fill: no runway series ("not enough history" on the panel).
      runway: ['alpha'],
      belowLower: ['alpha', 'beta'],
      topUps: ['alpha', 'beta', 'gamma'],
      topUpAmount: ['alpha', 'beta', 'gamma'],
      fees: ['alpha', 'beta', 'gamma'],
      rpcErrors: ['gamma'],
      lastSuccessAge: ['alpha', 'beta'],
    };
    for (const [key, query] of Object.entries(PANEL_QUERIES)) {
      const got = await instantQuery(prom, asGrafana(query.expr));
      expect(labelsOf(got, 'network'), query.panel).toEqual(
        expectedNetworks[key as keyof typeof PANEL_QUERIES],
      );
      for (const sample of got) {
        expect(Object.keys(sample.metric).sort(), query.panel).toEqual([...query.by].sort());
      }
    }

    // The bank drained on beta: the bank alert's expression names beta's bank, only beta's.
    await setBalance(beta!.url, bankAddress, ETH);
    const low = await vi.waitFor(
      async () => {
        const got = await byAlert('KeymasterBankLow');
        expect(got.length).toBeGreaterThan(0);
        return got;
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(low.map((s) => [s.metric.job, s.metric.network, s.metric.address])).toEqual([
      [SERVICE_JOB, 'beta', bankAddress],
    ]);
    expect(Number(low[0]!.value[1])).toBeLessThan(2);
  }, 300_000);
});
