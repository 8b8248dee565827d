import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function runDemo(
  interruptWhen?: (stdout: string) => boolean,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/demo.ts')], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !interrupted && interruptWhen(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const emulatorUrls = (stdout: string) =>
  [...stdout.matchAll(/(?:moto_server|chain \d+)\s+(http:\/\/127\.0\.0\.1:\d+)/g)].map(
    (m) => m[1]!,
  );

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

/** The rows of every console table titled `title` in the output. */
function tableRows(output: string, title: string): string[][] {
  const rows: string[][] = [];
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== title) continue;
    const header = lines[i + 1]!.split(/\s{2,}/);
    for (let j = i + 3; j < lines.length && lines[j]!.trim() !== ''; j++) {
      const cells = lines[j]!.split(/\s{2,}/);
      rows.push(header.map((_, k) => cells[k] ?? ''));
    }
  }
  return rows;
}

describe('npm run demo', () => {
  it('runs end to end: every wallet at or above lower after funding, nothing left running', async () => {
    const demo = await runDemo();
    expect(demo.stderr).not.toMatch(/demo failed/);
    expect(demo.code).toBe(0);
    for (const command of [
      'nomad-ops validate',
      'nomad-ops keys apply --env development',
      'nomad-ops keys apply --env staging',
      'nomad-ops iam apply --env staging',
      'nomad-ops bucket apply --env staging',
      'nomad-ops keymaster once --env development',
      'nomad-ops keymaster once --env staging',
      'nomad-ops agent-config --env staging --agent processor --home hoodi',
      'nomad-ops operators --env staging',
    ]) {
      expect(demo.stdout).toContain(`$ ${command}`);
    }
    // Balances after: one row per funded wallet, every one at or above its lower bound.
    const after = tableRows(demo.stdout, 'Balances after');
    expect(after.length).toBeGreaterThan(40);
    const header = ['Network', 'Home', 'Role', 'Address', 'Balance', 'Lower', 'Target', 'State'];
    for (const row of after) {
      const cell = (name: string) => row[header.indexOf(name)]!;
      const amount = (text: string) => Number(text.split(' ')[0]);
      expect(amount(cell('Balance')), row.join(' ')).toBeGreaterThanOrEqual(amount(cell('Lower')));
      expect(cell('State')).toBe('ok');
    }
    expect(demo.stdout).toMatch(
      /nomad_keymaster_bank_balance\{environment="staging",network="hoodi"\} \d/,
    );
    expect(demo.stdout).toMatch(/\/healthz -> 200/);
    // The first runs were the first fill: the service's run after them, with every wallet at
    // target, spent nothing, so no runway is projected from the fill (it once read "0.0 days").
    for (const network of ['hoodi', 'moonbasealpha', 'chiado', 'sepolia']) {
      expect(demo.stdout).toContain(`runway ${network}: no spend since the first fill`);
    }
    expect(demo.stdout).not.toMatch(/runway \S+: 0\.0/);
    expect(demo.stdout).toContain('OPT_PROCESSOR_S3_BUCKET=nomadxyz-staging-proofs');
    // Everything it started is gone: moto and every chain refuse connections.
    const urls = emulatorUrls(demo.stdout);
    expect(urls.length).toBe(5); // moto and one chain per chain id of development and staging
    for (const url of urls) expect(await refused(url), url).toBe(true);
  }, 240_000);

  it('stops everything it started when interrupted with Ctrl-C mid-run', async () => {
    // Interrupt once the emulators are up and the first AWS command is running.
    const demo = await runDemo((out) => out.includes('$ nomad-ops keys apply'));
    expect(demo.code).not.toBe(0);
    expect(demo.stderr).toContain('SIGINT: stopping the emulators');
    const urls = emulatorUrls(demo.stdout);
    expect(urls.length).toBe(5); // moto and one chain per chain id of development and staging
    for (const url of urls) expect(await refused(url), url).toBe(true);
  }, 120_000);
});
