import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliProcess, repoRoot } from './helpers.js';

const badDir = path.join(repoRoot, 'test/fixtures/bad');
const badFiles = readdirSync(badDir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
  .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)));

describe('nomad-ops validate', () => {
  it('accepts the shipped environment files', async () => {
    const run = await cli(['validate']);
    expect(run.code).toBe(0);
    for (const env of ['development', 'staging', 'production']) {
      expect(run.stdout).toContain(`environments/${env}.yaml`);
    }
  });

  it.each(badFiles)(
    'rejects %s with exit code 2, file:line:col and field, no stack',
    async (file) => {
      const run = await cli(['validate', file]);
      expect(run.code).toBe(2);
      const lines = run.stderr.trim().split('\n');
      const located = lines.filter((l) => l.startsWith(`${file}:`));
      expect(located.length).toBeGreaterThan(0);
      for (const line of located) expect(line).toMatch(/^[^:]+:\d+:\d+: \S.+/);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    },
  );

  it('--json reports every file and problem as data', async () => {
    const bad = badFiles.find((f) => f.endsWith('duplicate-chain-id.yaml'))!;
    const run = await cli(['validate', '--json', 'environments/staging.yaml', bad]);
    expect(run.code).toBe(2);
    const result = JSON.parse(run.stdout) as {
      ok: boolean;
      files: { ok: boolean; problems: { path: string; line: number }[] }[];
    };
    expect(result.ok).toBe(false);
    expect(result.files.map((f) => f.ok)).toEqual([true, false]);
    expect(result.files[1]!.problems.some((p) => p.path.includes('chainId'))).toBe(true);
  });

  it('exits 2 from a real process for bad input, 0 for good input', () => {
    const bad = cliProcess(['validate', badFiles[0]!]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('    at ');
    const good = cliProcess(['validate', 'environments/production.yaml']);
    expect(good.code).toBe(0);
  });
});

describe('nomad-ops plan --offline', () => {
  it('lists the production keys: six key names per network plus the bank', async () => {
    const run = await cli(['plan', '--env', 'production', '--offline', '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { keys: { alias: string }[] };
    const networks = ['ethereum', 'moonbeam', 'evmos', 'avalanche', 'xdai', 'milkomedaC1'];
    const names = [
      'watcher-signer',
      'watcher-attestation',
      'updater-signer',
      'updater-attestation',
      'processor-signer',
      'relayer-signer',
    ];
    const expected = [
      ...networks.flatMap((n) => names.map((k) => `alias/production-${n}-${k}`)),
      'alias/production-bank',
    ];
    expect(plan.keys.map((k) => k.alias).sort()).toEqual(expected.sort());
  });

  it('prints readable sections for a human', async () => {
    const run = await cli(['plan', '--env', 'staging', '--offline']);
    expect(run.code).toBe(0);
    for (const section of ['Keys', 'Principals', 'Policies', 'Proofs bucket', 'Funding matrix']) {
      expect(run.stdout).toContain(`\n${section}\n`);
    }
    expect(run.stdout).toContain('alias/staging-hoodi-processor-signer');
    expect(run.stdout).toContain('nomadxyz-staging-proofs');
  });

  it('takes a path as well as a name, and names a missing environment', async () => {
    const byPath = await cli([
      'plan',
      '--env',
      'environments/development.yaml',
      '--offline',
      '--json',
    ]);
    expect(byPath.code).toBe(0);
    const missing = await cli(['plan', '--env', 'qa', '--offline']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('qa.yaml');
  });

  it('without --offline plans against AWS, as `keys plan` does: no credentials, no plan', async () => {
    const run = await cli(['plan', '--env', 'staging']);
    const keys = await cli(['keys', 'plan', '--env', 'staging']);
    // No credentials is bad input (nothing ran): exit 2, one line saying how to check them.
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(keys.stderr);
    expect(run.stderr).toContain('aws sts get-caller-identity');
  });
});

describe('usage', () => {
  it('every command shows an example in --help', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)(?: |\[)/gm)]
      .map((m) => m[1]!)
      .filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Example:\n\s+\$ nomad-ops /);
    }
  });

  it('an unknown option or command is bad input (exit 2)', async () => {
    expect((await cli(['plan', '--env', 'staging', '--offline', '--colour'])).code).toBe(2);
    expect((await cli(['deploy'])).code).toBe(2);
  });
});
