import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/**
 * `nomad-ops --version` and `--help` must start fast: commands load what they run when they run,
 * so neither the AWS SDK nor ethers (nor the Kubernetes models) is loaded to print help. The built
 * CLI (lib/, as `npx nomad-ops` runs it) is started with a preload that records every module URL
 * the process loads.
 */

const RECORDER = pathToFileURL(path.join(import.meta.dirname, 'record-modules.mjs')).href;
const HEAVY = /\/node_modules\/(@aws-sdk|@smithy|ethers|kubernetes-models|@kubernetes-models)\//;

function loadedModules(args: string[], extra: string[] = []): { code: number; urls: string[] } {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'nomad-modules-')), 'modules.txt');
  const run = spawnSync(process.execPath, ['--import', RECORDER, ...extra, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, NOMAD_OPS_MODULE_LOG: log },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  return { code: run.status ?? -1, urls: readFileSync(log, 'utf8').trim().split('\n') };
}

const cliArgs = (...args: string[]) => [path.join(repoRoot, 'bin/nomad-ops.js'), ...args];

describe('nomad-ops start-up', () => {
  it('the recorder sees the heavy modules when they are loaded', () => {
    const { code, urls } = loadedModules(
      ['-e', "await import('ethers'); await import('@aws-sdk/client-kms');"],
      ['--input-type=module'],
    );
    expect(code).toBe(0);
    expect(urls.filter((u) => /\/node_modules\/ethers\//.test(u)).length).toBeGreaterThan(0);
    expect(urls.filter((u) => /\/node_modules\/@aws-sdk\//.test(u)).length).toBeGreaterThan(0);
  });

  it.each([
    '--version',
    '--help',
    'keys plan --help',
    'iam apply --help',
    'keymaster manifests --help',
    'agent-config --help',
  ])('nomad-ops %s loads neither the AWS SDK nor ethers', (line) => {
    const { code, urls } = loadedModules(cliArgs(...line.split(' ')));
    expect(code).toBe(0);
    // The CLI itself was loaded, so the list is the real one.
    expect(urls).toContain(pathToFileURL(path.join(repoRoot, 'lib/cli/program.js')).href);
    expect(urls.filter((u) => HEAVY.test(u))).toEqual([]);
  });

  it('a command loads its dependencies when it runs', () => {
    // validate reads the schema, which checks addresses with ethers.
    const { code, urls } = loadedModules(cliArgs('validate', 'environments/staging.yaml'));
    expect(code).toBe(0);
    expect(urls).toContain(pathToFileURL(path.join(repoRoot, 'lib/jobs/validate.js')).href);
  });
});
