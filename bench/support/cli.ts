/**
 * Running the built CLI (`bin/nomad-ops.js` → lib/) as a process, on the Node 24 of
 * node_modules/node, with lib/ rebuilt first when any source is newer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NODE = path.join(ROOT, 'node_modules/node/bin/node');
export const BIN = path.join(ROOT, 'bin/nomad-ops.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Builds lib/ (`tsc -p src`) unless it is newer than every file under src/. */
export function ensureLib(): void {
  const main = path.join(ROOT, 'lib/cli/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const result = spawnSync(
    NODE,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'src'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('tsc -p src failed: the CLI cannot be benchmarked');
}

export interface TimedProcess {
  code: number | null;
  /** Spawn to exit. */
  ms: number;
  /** Spawn to the first byte on stderr, if any. */
  firstStderrMs?: number;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end, timing its exit and its first stderr output from the spawn. */
export function timeProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 10 * 60_000,
): Promise<TimedProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let firstStderrMs: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      firstStderrMs ??= performance.now() - started;
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      resolve({
        code,
        ms,
        stdout,
        stderr,
        ...(firstStderrMs !== undefined ? { firstStderrMs } : {}),
      });
    });
  });
}
