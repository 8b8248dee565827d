import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, killOnExit, waitUntil } from './process.js';

/**
 * Debian's `prometheus`, `promtool` and `prometheus-pushgateway` on 127.0.0.1 (`.ci/run`
 * installs them). A missing binary fails the test with what to install: never a silent skip.
 */

const INSTALL = 'apt-get install -y prometheus prometheus-pushgateway (what .ci/run does)';

export function requireBinary(name: 'promtool' | 'prometheus' | 'prometheus-pushgateway'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const file = found.stdout.trim();
  if (found.status !== 0 || !file) {
    throw new Error(`${name} is not on the PATH; install it: ${INSTALL}`);
  }
  return file;
}

export interface PromtoolRun {
  code: number;
  output: string;
}

/** `promtool <args>`, with stdin when given. */
export function promtool(args: string[], input?: string): PromtoolRun {
  const result = spawnSync(requireBinary('promtool'), args, {
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

export interface RunningServer {
  url: string;
  port: number;
  /** stdout and stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

async function startServer(
  binary: string,
  args: (port: number) => string[],
  readyPath: string,
  cleanup: () => void,
): Promise<RunningServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(binary, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
  const unhook = killOnExit(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    unhook();
    cleanup();
  };
  try {
    await waitUntil(
      async () => (await fetch(`${url}${readyPath}`)).ok,
      30_000,
      () =>
        child.exitCode !== null
          ? `${path.basename(binary)} exited with ${child.exitCode}: ${log}`
          : undefined,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, log: () => log, stop };
}

/** A Pushgateway on 127.0.0.1 at a free port, keeping its groups in memory. */
export function startPushgateway(): Promise<RunningServer> {
  return startServer(
    requireBinary('prometheus-pushgateway'),
    (port) => [`--web.listen-address=127.0.0.1:${port}`],
    '/-/ready',
    () => undefined,
  );
}

/**
 * Prometheus on 127.0.0.1 with `config` (YAML text) and `files` written beside it (rule files),
 * its data in a temporary directory removed on stop.
 */
export function startPrometheus(
  config: string,
  files: Record<string, string> = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-prometheus-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return startServer(
    requireBinary('prometheus'),
    (port) => [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    '/-/ready',
    () => rmSync(dir, { recursive: true, force: true }),
  );
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus's HTTP API; throws on a query error (bad PromQL). */
export async function instantQuery(prometheusUrl: string, query: string): Promise<Sample[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] };
  };
  if (body.status !== 'success' || !body.data) {
    throw new Error(`query ${query} failed: ${body.error ?? response.status}`);
  }
  if (body.data.resultType !== 'vector') {
    throw new Error(`query ${query} returned a ${body.data.resultType}, not a vector`);
  }
  return body.data.result;
}
