import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { cli } from './helpers.js';

/** Every command that runs (no subcommands), by its words, taken from the program itself. */
function leaves(
  command: Command,
  words: string[] = [],
): Array<{ words: string[]; command: Command }> {
  if (command.commands.length === 0) return [{ words, command }];
  return command.commands.flatMap((c) => leaves(c, [...words, c.name()]));
}

const program = buildProgram({ out: () => {}, err: () => {}, env: {}, cwd: '.' }, () => {});
const table = leaves(program).map(({ words, command }) => ({
  name: words.join(' '),
  words,
  command,
}));

const dir = mkdtempSync(path.join(tmpdir(), 'nomad-ops-json-'));
const badFile = path.join(dir, 'staging.yaml');
writeFileSync(badFile, 'environment: staging\naws:\n  accountId: "12"\n');

/** The values a command's other required options take so the run reaches --env. */
function requiredArgs(command: Command, except = '--env'): string[] {
  return command.options
    .filter((o) => o.mandatory && o.long !== except)
    .flatMap((o) => [o.long!, 'x']);
}

/** What a command needs besides --env to get as far as reading the file. */
const toReachTheFile: Record<string, { args: string[]; env?: NodeJS.ProcessEnv }> = {
  plan: { args: ['--offline'] },
  'agent-config': { args: ['--agent', 'kathy'] },
  'github check': { args: ['--repo', 'nomad-xyz/nomad-agent-ops'], env: { GITHUB_TOKEN: 't' } },
};

type ErrorDoc = {
  error: { code: number; kind: string; message: string; problems: Array<{ line: number }> };
};

/** stdout is exactly one JSON document (parse throws on a second one or on any stray text). */
function oneDocument(stdout: string): unknown {
  return JSON.parse(stdout);
}

describe('--json on every command', () => {
  it('the table covers the whole program', () => {
    expect(table.length).toBeGreaterThanOrEqual(15);
    expect(table.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'validate',
        'agent-config',
        'keymaster serve',
        'keymaster dashboard',
      ]),
    );
  });

  describe.each(table)('nomad-ops $name', ({ words, command }) => {
    it('takes --json', () => {
      expect(command.options.map((o) => o.long)).toContain('--json');
    });

    it('a parse error is one JSON error document on stdout, exit 2', async () => {
      const run = await cli([...words, '--json', ...requiredArgs(command, ''), '--no-such-flag']);
      expect(run.code).toBe(2);
      const doc = oneDocument(run.stdout) as ErrorDoc;
      expect(doc.error).toEqual({
        code: 2,
        kind: 'input',
        message: expect.stringContaining("unknown option '--no-such-flag'") as string,
        problems: [],
      });
      expect(run.stderr).not.toContain('unknown option');
    });

    // Commands whose --env reads an environment file (`--env <name|path>`); alert's --env is a name.
    const takesEnv = command.options.some(
      (o) => o.long === '--env' && o.flags.includes('<name|path>'),
    );
    it.runIf(takesEnv)('a bad environment file is one JSON error with its problems', async () => {
      const reach = toReachTheFile[words.join(' ')] ?? { args: requiredArgs(command) };
      const run = await cli([...words, '--json', ...reach.args, '--env', badFile], {
        env: reach.env ?? {},
      });
      expect(run.code).toBe(2);
      const doc = oneDocument(run.stdout) as ErrorDoc;
      expect(doc.error.kind).toBe('input');
      expect(doc.error.code).toBe(2);
      expect(doc.error.problems.length).toBeGreaterThan(0);
      expect(doc.error.message).toContain(`${badFile}:`);
    });
  });

  it('an operation failure is kind "operation", exit 1', async () => {
    const run = await cli([
      'keymaster',
      'dashboard',
      '--json',
      '--out',
      path.join(dir, 'missing-dir', 'dashboard.json'),
    ]);
    expect(run.code).toBe(1);
    const doc = oneDocument(run.stdout) as ErrorDoc;
    expect(doc.error).toMatchObject({ code: 1, kind: 'operation', problems: [] });
    expect(doc.error.message).toContain('ENOENT');
  });

  it('a success is the command document alone', async () => {
    const run = await cli(['agent-config', '--env', 'staging', '--agent', 'kathy', '--json']);
    expect(run.code).toBe(0);
    expect(oneDocument(run.stdout)).toBeTypeOf('object');
  });

  it('without --json errors stay one line on stderr and stdout is empty', async () => {
    const run = await cli(['keymaster', 'dashboard', '--out', path.join(dir, 'nope', 'd.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: .*ENOENT/);
  });
});
