/**
 * Hardhat EDR chains in a process of their own (test/harness/chains-server.ts), so the chains'
 * CPU is not the benchmark's, each behind a latency proxy counting JSON-RPC requests.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import {
  jsonRpcOperation,
  startLatencyProxy,
  type LatencyProxy,
} from '../../test/harness/latency-proxy.js';
import { NODE, ROOT } from './cli.js';

export interface BenchChain {
  chainId: number;
  /** The node itself, for setup. */
  direct: string;
  proxy: LatencyProxy;
}

export interface BenchChains {
  chains: BenchChain[];
  /** Requests received by every proxy since the last reset (a batch counts once). */
  requests(): number;
  reset(): void;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

export const rpc = (url: string, method: string, params: unknown[] = []) =>
  rpcCall(url, { method, params }, { timeoutMs: 60_000 });

export async function startBenchChains(
  chainIds: number[],
  latencyMs: number,
): Promise<BenchChains> {
  const child = spawn(
    NODE,
    ['--import', 'tsx', path.join(ROOT, 'test/harness/chains-server.ts'), ...chainIds.map(String)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`chains-server exited ${code}`)));
  });
  const { chains } = JSON.parse(line) as { chains: Array<{ chainId: number; url: string }> };
  const out: BenchChain[] = [];
  for (const c of chains) {
    out.push({
      chainId: c.chainId,
      direct: c.url,
      proxy: await startLatencyProxy({ target: c.url, latencyMs, operationOf: jsonRpcOperation }),
    });
  }
  return {
    chains: out,
    requests: () => out.reduce((sum, c) => sum + c.proxy.requests(), 0),
    reset: () => out.forEach((c) => c.proxy.reset()),
    setLatency: (ms) => out.forEach((c) => c.proxy.setLatency(ms)),
    stop: async () => {
      await Promise.all(out.map((c) => c.proxy.stop()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
