import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot } from '../cli/helpers.js';
import {
  codeBlocks,
  docCommands,
  parseProblem,
  readDoc,
  runsOffline,
  shellWords,
  type DocCommand,
} from './doc-commands.js';

const runbooks = readdirSync(path.join(repoRoot, 'docs/runbooks'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/runbooks/${f}`);
const documents = ['README.md', 'docs/github-setup.md', 'docs/reference.md', ...runbooks];
const commands = documents.flatMap((file) => docCommands(readDoc(file)));
const offline = commands.filter((c) => runsOffline(c.args));
const online = commands.filter((c) => !runsOffline(c.args));
const label = (c: DocCommand) => `${c.where}: ${c.text}`;

describe('the README', () => {
  it('opens with the two commands: the demo and the tests', () => {
    const first = readDoc('README.md')[0]!;
    expect(first.line, 'the first code block comes right after the title').toBe(4);
    const parsed = first.lines.map((l) => {
      const [command, comment] = l.split(/\s+#\s+/);
      return { command: command!.trim(), comment: comment?.trim() ?? '' };
    });
    expect(parsed.map((p) => p.command)).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    for (const p of parsed) expect(p.comment, `${p.command} says what it does`).not.toBe('');
  });

  it('links the reference, the GitHub setup and every runbook', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const target of ['docs/reference.md', 'docs/github-setup.md', ...runbooks]) {
      expect(readme, `README links ${target}`).toContain(`](${target})`);
    }
  });
});

describe('commands shown in the documentation', () => {
  it('finds commands in every runbook', () => {
    for (const file of runbooks) {
      expect(
        commands.some((c) => c.where.startsWith(`${file}:`)),
        file,
      ).toBe(true);
    }
    expect(offline.length).toBeGreaterThan(0);
    expect(online.length).toBeGreaterThan(0);
  });

  it.each(offline.map((c) => [label(c), c] as const))('runs %s', async (_label, command) => {
    const run = await cli(command.args, { env: command.env });
    expect(run.code, `${label(command)}\n${run.stderr}`).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  it.each(online.map((c) => [label(c), c] as const))(
    'parses %s (AWS or chains: not run)',
    async (_label, command) => {
      expect(await parseProblem(command.args), label(command)).toBeUndefined();
    },
  );
});

describe('the command check itself', () => {
  const fake = [
    '# t',
    '',
    '```sh',
    '$ nomad-ops keys plan --env staging --force',
    'npm run nomad-ops -- keymaster once --env staging --dry-run \\',
    '  --json | jq .',
    'aws kms list-aliases',
    'npx nomad-ops iam apply --env nowhere',
    'nomad-ops agent-config --env staging --agent nobody',
    '```',
    '',
    '```yaml',
    'nomad-ops: not a command',
    '```',
  ].join('\n');
  const found = docCommands(codeBlocks('fake.md', fake));

  it('reads prompts, npm run and npx prefixes, continuations and pipes; skips other languages', () => {
    expect(found.map((c) => [c.where, c.args.join(' ')])).toEqual([
      ['fake.md:4', 'keys plan --env staging --force'],
      ['fake.md:6', 'keymaster once --env staging --dry-run --json'],
      ['fake.md:8', 'iam apply --env nowhere'],
      ['fake.md:9', 'agent-config --env staging --agent nobody'],
    ]);
    expect(shellWords(`nomad-ops plan --env "my env.yaml" --offline # note`)).toEqual([
      'nomad-ops',
      'plan',
      '--env',
      'my env.yaml',
      '--offline',
    ]);
  });

  it('rejects a flag that does not exist and an environment that does not', async () => {
    expect(await parseProblem(found[0]!.args)).toMatch(/unknown option '--force'/);
    expect(await parseProblem(found[1]!.args)).toBeUndefined();
    expect(await parseProblem(found[2]!.args)).toMatch(/nowhere/);
    expect(await parseProblem(['keys', 'plan'])).toMatch(/--env/);
  });

  it('fails an offline command that exits non-zero', async () => {
    expect(runsOffline(found[3]!.args)).toBe(true);
    expect((await cli(found[3]!.args)).code).toBe(2);
  });
});
