import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatUnits, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChainSweep } from '../../src/keymaster/types.js';
import { KeymasterMetrics } from '../../src/keymaster/service/metrics.js';
import { unitsOf } from '../../src/config/amounts.js';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import { type KeymasterRun } from '../../src/keymaster/types.js';
import { healthOf, serveKeymaster } from '../../src/keymaster/service/service.js';
import type { Chain } from '../harness/chains.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, resolverFor, testEnvironment } from './fixtures.js';
import { closedPortUrl } from './rpc-proxy.js';

const FUNDER = KEYMASTER_FUNDER_KEYS[5]!;

/** One sample of the Prometheus text format, by metric name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries(
      [...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const wanted = Object.entries(labels);
    if (wanted.length === Object.keys(found).length && wanted.every(([k, v]) => found[k] === v)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('healthOf', () => {
  it('is unhealthy past three intervals since the last success, or since the start', () => {
    const interval = 60;
    const base = { networks: ['a', 'b'], startedAt: 0, intervalSeconds: interval };
    const last = new Map([['a', 100_000]]);
    expect(healthOf({ ...base, lastSuccessAt: last, now: 180_000 }).healthy).toBe(true);
    const late = healthOf({ ...base, lastSuccessAt: last, now: 180_001 });
    expect(late.healthy).toBe(false);
    expect(late.networks.map((n) => [n.network, n.healthy])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(healthOf({ ...base, lastSuccessAt: last, now: 280_001 }).networks[0]?.healthy).toBe(
      false,
    );
  });
});

describe('serveKeymaster', () => {
  let chains: Chain[];
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ chains, stop } = await keymasterChains());
  }, 60_000);
  afterAll(() => stop());

  it('serves the metrics of §6 with the values of the run, and stops on abort', async () => {
    const [a, b] = chains;
    const env = testEnvironment(
      [
        { name: 'alpha', chainId: a!.chainId },
        { name: 'down', chainId: b!.chainId },
      ],
      { rpcTimeoutSeconds: 1 },
    );
    const { rows, addresses } = agentRows(env, ['relayer', 'watcher']);
    const bank = Wallet.createRandom();
    await fund(a!.url, FUNDER, a!.chainId, [{ to: bank.address, wei: 5n * ETH }]);
    const metrics = new KeymasterMetrics(env.name, unitsOf(env));
    const controller = new AbortController();
    const runs: KeymasterRun[] = [];
    const rpcUrls = { alpha: a!.url, down: await closedPortUrl() };
    const service = await serveKeymaster({
      runOnce: (signal) =>
        runKeymaster({
          env,
          rows,
          resolveAddress: resolverFor(addresses),
          bankSigner: bank,
          rpcUrls,
          signal,
          retries: 0,
          pollIntervalMs: 20,
        }),
      metrics,
      networks: ['alpha', 'down'],
      intervalSeconds: env.keymaster.intervalSeconds,
      signal: controller.signal,
      host: '127.0.0.1',
      port: 0,
      onRun: (run) => runs.push(run),
    });
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 5000, interval: 25 });
    const run = runs[0]!;
    const text = await (await fetch(`${service.url}/metrics`)).text();

    const relayer = addresses.get('alias/development-alpha-relayer-signer')!;
    expect(
      sample(text, 'nomad_keymaster_balance', {
        environment: 'development',
        network: 'alpha',
        home: 'alpha',
        role: 'relayer',
        address: relayer,
      }),
    ).toBe(1);
    expect(
      sample(text, 'nomad_keymaster_balance', {
        environment: 'development',
        network: 'alpha',
        home: 'alpha',
        role: 'watcher',
        address: addresses.get('alias/development-alpha-watcher-signer')!,
      }),
    ).toBe(0.5);
    // The dead chain's wallets have no balance sample at all (never a zero).
    expect(text).not.toMatch(/nomad_keymaster_balance\{[^}]*network="down"/);
    const bankWei = await balanceOf(a!.url, bank.address);
    expect(
      sample(text, 'nomad_keymaster_bank_balance', {
        environment: 'development',
        network: 'alpha',
      }),
    ).toBe(Number(formatUnits(bankWei, 18)));
    expect(
      sample(text, 'nomad_keymaster_topups_total', { network: 'alpha', role: 'relayer' }),
    ).toBe(1);
    expect(
      sample(text, 'nomad_keymaster_topup_amount_total', { network: 'alpha', role: 'watcher' }),
    ).toBe(0.5);
    // The bounds the alert rules compare against, with the labels of the balance they bound.
    const relayerLabels = {
      environment: 'development',
      network: 'alpha',
      home: 'alpha',
      role: 'relayer',
      address: relayer,
    };
    expect(sample(text, 'nomad_keymaster_lower_bound', relayerLabels)).toBe(0.5);
    expect(sample(text, 'nomad_keymaster_topup_failed', relayerLabels)).toBe(0);
    expect(
      sample(text, 'nomad_keymaster_bank_info', {
        environment: 'development',
        network: 'alpha',
        address: bank.address,
      }),
    ).toBe(1);
    expect(
      sample(text, 'nomad_keymaster_bank_alert_level', {
        environment: 'development',
        network: 'alpha',
      }),
    ).toBe(2);
    expect(
      sample(text, 'nomad_keymaster_rpc_errors_total', { network: 'down', method: 'batch' }),
    ).toBe(1);
    expect(
      sample(text, 'nomad_keymaster_last_success_timestamp_seconds', { network: 'alpha' }),
    ).toBe(Math.floor(run.finishedAt / 1000));
    expect(
      sample(text, 'nomad_keymaster_last_success_timestamp_seconds', { network: 'down' }),
    ).toBeUndefined();
    expect((await fetch(`${service.url}/nope`)).status).toBe(404);

    controller.abort();
    await service.done;
    await expect(fetch(`${service.url}/metrics`)).rejects.toThrow();
  });
});

describe('/healthz over time (injected clock, fake runs)', () => {
  function fakeRun(finishedAt: number, ok: Record<string, boolean>): KeymasterRun {
    const sweeps = Object.entries(ok).map(
      ([network, swept]) => ({ network, ok: swept }) as ChainSweep,
    );
    return {
      environment: 'development',
      dryRun: false,
      startedAt: finishedAt,
      finishedAt,
      bankAddress: '0x0',
      before: [],
      decisions: [],
      plans: [],
      sent: [],
      after: [],
      banks: [],
      sweeps: { before: sweeps, after: [] },
      rpcErrors: [],
      failures: [],
      bankLow: false,
      ok: true,
    };
  }

  it('turns 503 when a network has not been swept for three intervals, and back to 200', async () => {
    const interval = 60;
    let now = 1_000_000;
    const outcomes = [
      { alpha: true, beta: false },
      { alpha: true, beta: false },
      { alpha: true, beta: true },
    ];
    let ticks: Array<() => void> = [];
    const tick = () => {
      const pending = ticks;
      ticks = [];
      for (const resolve of pending) resolve();
    };
    let runsDone = 0;
    const controller = new AbortController();
    const service = await serveKeymaster({
      runOnce: async () => fakeRun(now, outcomes[Math.min(runsDone, outcomes.length - 1)]!),
      onRun: () => (runsDone += 1),
      metrics: new KeymasterMetrics('development', {}),
      networks: ['alpha', 'beta'],
      intervalSeconds: interval,
      signal: controller.signal,
      host: '127.0.0.1',
      port: 0,
      clock: () => now,
      wait: (_ms, signal) =>
        new Promise<void>((resolve) => {
          ticks.push(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
    });
    const healthz = async () => {
      const response = await fetch(`${service.url}/healthz`);
      return {
        status: response.status,
        body: (await response.json()) as { networks: Array<{ network: string; healthy: boolean }> },
      };
    };
    const until = (count: number) =>
      vi.waitFor(() => expect(runsDone).toBe(count), { timeout: 5000, interval: 5 });
    await until(1);
    expect((await healthz()).status).toBe(200);

    now += 2 * interval * 1000;
    tick();
    await until(2);
    now += interval * 1000 + 1000; // beta: 3 intervals + 1 s since the start, never swept
    const stale = await healthz();
    expect(stale.status).toBe(503);
    expect(stale.body.networks).toEqual([
      expect.objectContaining({ network: 'alpha', healthy: true }),
      expect.objectContaining({ network: 'beta', healthy: false }),
    ]);

    tick();
    await until(3);
    expect((await healthz()).status).toBe(200);
    controller.abort();
    await service.done;
  });
});

describe('Pushgateway', () => {
  let chains: Chain[];
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ chains, stop } = await keymasterChains());
  }, 60_000);
  afterAll(() => stop());

  it('pushes one group per network swept this run, each with its own series: a failing network keeps its last group', async () => {
    const received: Array<{ method: string; url: string; body: string }> = [];
    const gateway = createServer((request: IncomingMessage, response) => {
      const parts: Buffer[] = [];
      request.on('data', (p: Buffer) => parts.push(p));
      request.on('end', () => {
        received.push({
          method: request.method!,
          url: request.url!,
          body: Buffer.concat(parts).toString(),
        });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const { port } = gateway.address() as AddressInfo;
    try {
      const [a, b] = chains;
      const env = testEnvironment(
        [
          { name: 'alpha', chainId: a!.chainId },
          { name: 'down', chainId: b!.chainId },
        ],
        { rpcTimeoutSeconds: 1 },
      );
      const { rows, addresses } = agentRows(env, ['relayer']);
      const run = await runKeymaster({
        env,
        rows,
        resolveAddress: resolverFor(addresses),
        bankAddress: Wallet.createRandom().address,
        rpcUrls: { alpha: a!.url, down: await closedPortUrl() },
        retries: 0,
        dryRun: true,
      });
      expect(run.failures.some((f) => f.kind === 'rpc' && f.network === 'down')).toBe(true);
      const metrics = new KeymasterMetrics(env.name, unitsOf(env));
      metrics.observe(run);
      // The registry holds the failing network's series too (its RPC errors)...
      expect(await metrics.text()).toContain('network="down"');
      await metrics.push(`http://127.0.0.1:${port}`);
      // ...but only the healthy network's group is replaced.
      expect(received.map((r) => [r.method, r.url])).toEqual([
        ['PUT', '/metrics/job/nomad-keymaster/environment/development/network/alpha'],
      ]);
      const body = received[0]!.body;
      expect(
        sample(body, 'nomad_keymaster_last_success_timestamp_seconds', { network: 'alpha' }),
      ).toBe(Math.floor(run.finishedAt / 1000));
      expect(
        sample(body, 'nomad_keymaster_balance', {
          environment: 'development',
          network: 'alpha',
          home: 'alpha',
          role: 'relayer',
          address: addresses.get('alias/development-alpha-relayer-signer')!,
        }),
      ).toBe(0);
      expect(body).not.toContain('network="down"');
      expect(body.split('\n').filter((l) => l && !l.startsWith('#'))).toSatisfy((lines: string[]) =>
        lines.every((l) => l.includes('network="alpha"')),
      );
    } finally {
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });
});
