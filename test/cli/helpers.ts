import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** tsx's loader by path, so a child process in any working directory can run the sources. */
export const TSX_LOADER = pathToFileURL(
  path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs'),
).href;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => (stdout += t.endsWith('\n') ? t : t + '\n'),
    err: (t) => (stderr += t.endsWith('\n') ? t : t + '\n'),
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Runs `nomad-ops` as a real process (through tsx, as `npm run nomad-ops` does). */
export function cliProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliRun {
  const result = spawnSync(
    process.execPath,
    ['--import', TSX_LOADER, path.join(repoRoot, 'src/cli/main.ts'), ...args],
    {
      cwd: options.cwd ?? repoRoot,
      env: { PATH: process.env.PATH, ...options.env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
