/**
 * The Keymaster's balance sweep (every agent wallet on every chain) beside the strongest simple
 * ways a competent engineer would write, in the same run, each in a process of its own (peak RSS):
 *  - ethers v6: `Promise.all` over `provider.getBalance` (the provider batches calls made together);
 *  - multicall: one `eth_call` per 500 addresses to a contract reading every balance
 *    (bench/support/balance-reader.ts, a minimal equivalent of Multicall3's getEthBalance);
 *  - ours (`sweepBalances`) at 10, 100 (the default) and 500 calls per batch.
 * Six Hardhat EDR chains in their own process, each behind a proxy adding 50 ms per request.
 * Sizes: 1,002 pairs (production) and 50,004 (a stress test of memory).
 *
 *   npm run bench -- sweep [--quick] [--runs N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getAddress, hexlify, randomBytes, Wallet } from 'ethers';
import { FUNDED_PRIVATE_KEYS } from '../test/harness/chains.js';
import { BALANCE_READER_ADDRESS, BALANCE_READER_CODE } from './support/balance-reader.js';
import { rpc, startBenchChains, type BenchChains } from './support/chains.js';
import { NODE, timeProcess } from './support/cli.js';
import {
  benchOptions,
  duration,
  heading,
  ratio,
  spread,
  summarize,
  table,
  targetLine,
  type BenchOptions,
} from './support/common.js';
import type { SweepOutcome, SweepSpec, SweepWay } from './support/sweep-worker.js';

const LATENCY_MS = 50;
const CHAIN_IDS = [31401, 31402, 31403, 31404, 31405, 31406];
const WORKER = path.join(import.meta.dirname, 'support/sweep-worker.ts');

interface Way {
  label: string;
  way: SweepWay;
  batchSize: number;
}

const WAYS: Way[] = [
  { label: 'ethers v6: Promise.all over provider.getBalance', way: 'ethers', batchSize: 0 },
  { label: 'multicall: one eth_call per 500 addresses', way: 'multicall', batchSize: 500 },
  { label: 'ours, 10 calls per batch', way: 'ours', batchSize: 10 },
  { label: 'ours, 100 calls per batch (default)', way: 'ours', batchSize: 100 },
  { label: 'ours, 500 calls per batch', way: 'ours', batchSize: 500 },
];

const randomAddress = () => getAddress(hexlify(randomBytes(20)));

/** Runs one sweep in a worker process (asynchronously: the proxies live in this process). */
async function runWorker(dir: string, spec: SweepSpec): Promise<SweepOutcome> {
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const result = await timeProcess(
    NODE,
    ['--import', 'tsx', WORKER, file],
    { PATH: process.env.PATH },
    5 * 60_000,
  );
  if (result.code !== 0) {
    throw new Error(`sweep worker (${spec.way}) failed: ${result.stderr.slice(-2000)}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as SweepOutcome;
}

interface Measured {
  way: Way;
  ms: number[];
  requests: number;
  peakRssMiB: number;
  sum: string;
  /** One run with no added latency: the chains' and the client's own time. */
  unloadedMs?: number;
}

async function measureSize(
  chains: BenchChains,
  dir: string,
  perChain: number,
  ways: Way[],
  runs: number,
  unloadedAll: boolean,
): Promise<{ measured: Measured[]; baselineRss: number; unloadedMs: number }> {
  const spec = (way: Way, n = perChain): SweepSpec => ({
    way: way.way,
    batchSize: way.batchSize,
    chains: chains.chains.map((c, i) => ({
      chainId: c.chainId,
      url: c.proxy.url,
      addresses: n === 0 ? [] : addressesOf(i, n),
    })),
  });
  const measured: Measured[] = ways.map((way) => ({
    way,
    ms: [],
    requests: 0,
    peakRssMiB: 0,
    sum: '',
  }));
  for (let r = 0; r < runs; r++) {
    // Rotate the order every run so drifting load favours no way.
    for (let k = 0; k < measured.length; k++) {
      const m = measured[(k + r) % measured.length]!;
      chains.reset();
      const outcome = await runWorker(dir, spec(m.way));
      if (outcome.count !== perChain * chains.chains.length) throw new Error('short sweep');
      m.ms.push(outcome.ms);
      m.requests = chains.requests();
      m.peakRssMiB = Math.max(m.peakRssMiB, outcome.peakRssMiB);
      m.sum = outcome.sum;
    }
  }
  if (new Set(measured.map((m) => m.sum)).size !== 1) {
    throw new Error(`the ways disagree on the balances: ${measured.map((m) => m.sum).join(', ')}`);
  }
  const baselineRss = (await runWorker(dir, spec(ways[0]!, 0))).peakRssMiB;
  // The emulator's and the client's own time: our default sweep with no added latency.
  chains.setLatency(0);
  const unloadedMs = (await runWorker(dir, spec(WAYS[3]!))).ms;
  if (unloadedAll) {
    for (const m of measured) m.unloadedMs = (await runWorker(dir, spec(m.way))).ms;
  }
  chains.setLatency(LATENCY_MS);
  return { measured, baselineRss, unloadedMs };
}

const addressBook: string[][] = [];
function addressesOf(chainIndex: number, n: number): string[] {
  const book = (addressBook[chainIndex] ??= []);
  while (book.length < n) book.push(randomAddress());
  return book.slice(0, n);
}

function report(
  title: string,
  options: BenchOptions,
  runs: number,
  pairs: number,
  perChain: number,
  result: Awaited<ReturnType<typeof measureSize>>,
): Measured[] {
  heading(
    title,
    { ...options, runs },
    `\`bench/sweep.bench.ts\`: ${pairs.toLocaleString('en')} account-chain pairs (${perChain} per chain × ${CHAIN_IDS.length} chains), ` +
      `six Hardhat EDR chains in their own process, each behind a proxy adding ${LATENCY_MS} ms per HTTP request; ` +
      `every way runs in a process of its own (wall time of the sweep alone, peak RSS of the process).`,
  );
  const bound = LATENCY_MS; // every chain's requests can go at once: one round trip
  const unloaded = result.measured.some((m) => m.unloadedMs !== undefined);
  const columns = ['way', 'HTTP requests', 'wall time', 'bound', 'ratio to bound', 'peak RSS'];
  console.log(
    table(
      unloaded ? [...columns, 'same, no added latency'] : columns,
      result.measured.map((m) => {
        const s = summarize(m.ms);
        const cells = [
          m.way.label,
          String(m.requests),
          spread(s),
          duration(bound),
          ratio(s.median, bound),
          `${m.peakRssMiB.toFixed(0)} MiB`,
        ];
        return unloaded ? [...cells, duration(m.unloadedMs ?? NaN)] : cells;
      }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(
    `\nBound: one round trip of ${LATENCY_MS} ms (every chain, and every batch of a chain, can go at once). ` +
      `Without added latency our default sweep takes ${duration(result.unloadedMs)}: the chains' and the client's own time. ` +
      `Peak RSS of a worker that loads the same modules and sweeps nothing: ${result.baselineRss.toFixed(0)} MiB.\n`,
  );
  return result.measured;
}

async function main() {
  const options = benchOptions();
  const chains = await startBenchChains(CHAIN_IDS, LATENCY_MS);
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-bench-sweep-'));
  try {
    for (const c of chains.chains) {
      await rpc(c.direct, 'hardhat_setCode', [BALANCE_READER_ADDRESS, BALANCE_READER_CODE]);
    }
    // Give a few accounts of each chain a balance, so the ways have something to agree on.
    const funder = new Wallet(FUNDED_PRIVATE_KEYS[19]!);
    for (const [i, c] of chains.chains.entries()) {
      const to = addressesOf(i, 3);
      for (let n = 0; n < 3; n++) {
        const raw = await funder.signTransaction({
          to: to[n]!,
          value: BigInt(n + 1) * 1000n,
          nonce: n,
          chainId: c.chainId,
          gasLimit: 21_000n,
          gasPrice: 10n ** 10n,
        });
        await rpc(c.direct, 'eth_sendRawTransaction', [raw]);
      }
    }

    const small = 167;
    const smallRuns = options.runs;
    const smallResult = await measureSize(chains, dir, small, WAYS, smallRuns, true);
    const measured = report(
      `Balance sweep: ${(small * CHAIN_IDS.length).toLocaleString('en')} pairs, +${LATENCY_MS} ms per request`,
      options,
      smallRuns,
      small * CHAIN_IDS.length,
      small,
      smallResult,
    );
    const med = (label: string) =>
      summarize(measured.find((m) => m.way.label.startsWith(label))!.ms).median;
    const ours = med('ours, 100');
    const best = Math.min(med('ethers'), med('multicall'));
    console.log(
      targetLine(
        'faster than ethers Promise.all and multicall in the same run',
        ours < best,
        `ours ${duration(ours)} (default batch size), ethers ${duration(med('ethers'))}, multicall ${duration(med('multicall'))} on medians`,
      ),
    );
    const at500 = measured.find((m) => m.way.label.startsWith('ours, 500'))!;
    const allowed = CHAIN_IDS.length * Math.ceil((small + 10) / 500);
    console.log(
      targetLine(
        'one request per chain per 500 calls',
        at500.requests <= allowed,
        `${at500.requests} requests for ${CHAIN_IDS.length} chains at 500 calls per batch`,
      ),
    );

    const big = 8334;
    // One run at this size: each way takes seconds to tens of seconds (the count is what matters).
    const bigRuns = 1;
    const bigWays = WAYS.filter((w) => w.way !== 'ours' || w.batchSize !== 10);
    report(
      `Balance sweep at scale: ${(big * CHAIN_IDS.length).toLocaleString('en')} pairs, +${LATENCY_MS} ms per request`,
      options,
      bigRuns,
      big * CHAIN_IDS.length,
      big,
      await measureSize(chains, dir, big, bigWays, bigRuns, false),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await chains.stop();
  }
}

await main();
