import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cli/helpers.js';

/**
 * The image's entrypoint, run as the container runs it (no container engine here): the final
 * stage's ENTRYPOINT and CMD, parsed from deploy/Dockerfile, with its WORKDIR (/app) mapped to
 * the checkout, which holds what the stage copies there (bin/, lib/, package.json, node_modules).
 */

interface FinalStage {
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  copied: string[];
}

function finalStage(dockerfile: string): FinalStage {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n');
  const from = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  const stage: FinalStage = { workdir: '/', env: {}, entrypoint: [], cmd: [], copied: [] };
  for (const line of lines.slice(from + 1)) {
    const [, instruction = '', rest = ''] = /^(\w+)\s+(.*)$/.exec(line.trim()) ?? [];
    switch (instruction.toUpperCase()) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, rest);
        break;
      case 'ENV':
        for (const m of rest.matchAll(/(\w+)=(\S+)/g)) stage.env[m[1]!] = m[2]!;
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(rest) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(rest) as string[];
        break;
      case 'COPY':
        if (!rest.startsWith('--from')) stage.copied.push(...rest.split(/\s+/).slice(0, -1));
        break;
    }
  }
  return stage;
}

const stage = finalStage(readFileSync(path.join(repoRoot, 'deploy/Dockerfile'), 'utf8'));
/** A path inside the image as the checkout holds it. */
const local = (p: string) =>
  p.startsWith(`${stage.workdir}/`) ? path.join(repoRoot, p.slice(stage.workdir.length + 1)) : p;

async function runImage(args: string[] = stage.cmd) {
  const [program, ...entry] = stage.entrypoint.map(local);
  try {
    const { stdout, stderr } = await promisify(execFile)(program!, [...entry, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...stage.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the Keymaster image (deploy/Dockerfile)', () => {
  it('has an exec-form entrypoint that runs node on the CLI it copies', () => {
    expect(stage.workdir).toBe('/app');
    expect(stage.entrypoint[0]).toBe('node');
    expect(stage.copied).toEqual(expect.arrayContaining(['package.json', 'bin']));
    expect(stage.entrypoint[1]).toMatch(/^\/app\/bin\//);
  });

  it('runs its default command (CMD) and exits 0 with the usage', async () => {
    const run = await runImage();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Usage: nomad-ops/);
    expect(run.stdout).toContain('keymaster');
  });

  it('takes the arguments the Deployment passes: keymaster serve with --env and --port', async () => {
    const run = await runImage(['keymaster', 'serve', '--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/--env <name\|path>/);
    expect(run.stdout).toMatch(/--port/);
    // A missing environment file is bad input (exit 2), as a pod would log it.
    const missing = await runImage([
      'keymaster',
      'serve',
      '--env',
      '/etc/nomad-keymaster/none.yaml',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.yaml');
  });
});
