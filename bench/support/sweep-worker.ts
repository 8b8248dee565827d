/**
 * One balance sweep in a process of its own, so its peak RSS is the sweep's alone:
 *   node --import tsx bench/support/sweep-worker.ts <spec.json>
 * The spec names the way, the chains (proxy URLs) and their addresses; the worker loads it, then
 * times the sweep alone and prints one line of JSON: wall time, peak RSS, and a digest of the
 * balances (sum and count of non-zero) so the parent can check that every way read the same.
 */
import { readFileSync } from 'node:fs';
import { JsonRpcProvider } from 'ethers';
import { sweepBalances } from '../../src/keymaster/sweep/balances.js';
import { BALANCE_READER_ADDRESS, decodeBalances, encodeBalanceCall } from './balance-reader.js';

export type SweepWay = 'ours' | 'ethers' | 'multicall';

export interface SweepSpec {
  way: SweepWay;
  /** ours: calls per request; multicall: addresses per eth_call. */
  batchSize: number;
  chains: Array<{ chainId: number; url: string; addresses: string[] }>;
}

export interface SweepOutcome {
  ms: number;
  peakRssMiB: number;
  sum: string;
  nonZero: number;
  count: number;
}

const provider = (url: string, chainId: number) =>
  // What a competent engineer writes: a static network (no eth_chainId probe), ethers' own batching.
  new JsonRpcProvider(url, chainId, { staticNetwork: true });

async function sweep(spec: SweepSpec): Promise<bigint[]> {
  // No address at all: the process's baseline (modules loaded, nothing swept).
  if (spec.chains.every((c) => c.addresses.length === 0)) return [];
  if (spec.way === 'ours') {
    const sweeps = await sweepBalances(
      spec.chains.map((c) => ({
        network: `chain-${c.chainId}`,
        chainId: c.chainId,
        rpcUrl: c.url,
        addresses: c.addresses,
      })),
      { timeoutMs: 120_000, maxBatchSize: spec.batchSize },
    );
    return sweeps.flatMap((s, i) => {
      if (!s.ok) throw new Error(`our sweep of ${s.network} failed: ${s.error}`);
      return spec.chains[i]!.addresses.map((a) => {
        const reading = s.balances.get(a.toLowerCase());
        if (!reading?.known) throw new Error(`our sweep did not read ${a}`);
        return reading.wei;
      });
    });
  }
  if (spec.way === 'ethers') {
    // ethers v6: Promise.all over provider.getBalance; the provider batches calls made together.
    const perChain = await Promise.all(
      spec.chains.map((c) => {
        const p = provider(c.url, c.chainId);
        return Promise.all(c.addresses.map((a) => p.getBalance(a))).finally(() => p.destroy());
      }),
    );
    return perChain.flat();
  }
  // Multicall: one eth_call per chunk of addresses to the balance reader, all at once.
  const perChain = await Promise.all(
    spec.chains.map(async (c) => {
      const p = provider(c.url, c.chainId);
      try {
        const chunks: string[][] = [];
        for (let i = 0; i < c.addresses.length; i += spec.batchSize) {
          chunks.push(c.addresses.slice(i, i + spec.batchSize));
        }
        const results = await Promise.all(
          chunks.map((chunk) =>
            p.call({ to: BALANCE_READER_ADDRESS, data: encodeBalanceCall(chunk) }),
          ),
        );
        return results.flatMap((r, i) => decodeBalances(r, chunks[i]!.length));
      } finally {
        p.destroy();
      }
    }),
  );
  return perChain.flat();
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SweepSpec;
const started = performance.now();
const balances = await sweep(spec);
const ms = performance.now() - started;
const outcome: SweepOutcome = {
  ms,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  sum: balances.reduce((a, b) => a + b, 0n).toString(),
  nonZero: balances.filter((b) => b !== 0n).length,
  count: balances.length,
};
process.stdout.write(JSON.stringify(outcome) + '\n');
