import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { developmentWorkspace } from '../actions/workspace.js';
import { cli, repoRoot, TSX_LOADER } from './helpers.js';
import { nextAccountId } from '../harness/emulators.js';

const ACCOUNT = nextAccountId();

describe('nomad-ops keymaster serve, as a process', () => {
  it('serves /metrics and /healthz, and stops cleanly on SIGTERM', async () => {
    const { cwd, vars: env } = await developmentWorkspace(ACCOUNT);
    expect((await cli(['keys', 'apply', '--env', 'development'], { cwd, env })).code).toBe(0);

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
        '--dry-run',
      ],
      { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The first run happens at start; wait for its metrics.
    const metrics = await vi.waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        expect(text).toContain('nomad_keymaster_last_success_timestamp_seconds{');
        return text;
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(metrics).toMatch(
      /nomad_keymaster_last_success_timestamp_seconds\{network="alpha"\} \d+/,
    );
    expect(metrics).toMatch(
      /nomad_keymaster_balance\{environment="development",network="beta",home="alpha",role="processor",address="0x[0-9a-fA-F]{40}"\} 0/,
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 90_000);
});
