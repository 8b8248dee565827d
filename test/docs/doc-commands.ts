import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../../src/cli/io.js';
import { buildProgram } from '../../src/cli/program.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { repoRoot } from '../cli/helpers.js';

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  file: string;
  /** 1-based line of the first line inside the fence. */
  line: number;
  lang: string;
  lines: string[];
}

export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let open: CodeBlock | undefined;
  markdown.split('\n').forEach((text, i) => {
    const fence = /^\s*(```|~~~)\s*([\w-]*)/.exec(text);
    if (fence && !open) {
      open = { file, line: i + 2, lang: fence[2] ?? '', lines: [] };
    } else if (fence && open) {
      blocks.push(open);
      open = undefined;
    } else if (open) {
      open.lines.push(text);
    }
  });
  return blocks;
}

/** A `nomad-ops` command line found in a code block. */
export interface DocCommand {
  where: string;
  /** The line as written (after the prompt). */
  text: string;
  /** Arguments after `nomad-ops`. */
  args: string[];
  /** `NAME=value` words written before the command. */
  env: Record<string, string>;
}

/**
 * Shell words of one command: quotes and backslashes honoured, nothing expanded; stops at an
 * unquoted `|`, `;`, `&&`, `>` or a `#` comment, so `… --json | jq .` yields the nomad-ops part.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]!;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i]!;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ((c === '#' && word === undefined) || c === '|' || c === ';' || c === '>') {
      break;
    } else if (c === '&' && line[i + 1] === '&') {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const PREFIXES = [['nomad-ops'], ['npx', 'nomad-ops'], ['npm', 'run', 'nomad-ops', '--']];
const SHELL_LANGS = new Set(['', 'sh', 'bash', 'shell', 'console', 'zsh']);

/** Every `nomad-ops …`, `npx nomad-ops …` or `npm run nomad-ops -- …` line of the shell blocks. */
export function docCommands(blocks: CodeBlock[]): DocCommand[] {
  const out: DocCommand[] = [];
  for (const block of blocks) {
    if (!SHELL_LANGS.has(block.lang)) continue;
    let pending = '';
    block.lines.forEach((raw, i) => {
      const joined = pending + raw;
      if (/\\\s*$/.test(raw)) {
        pending = joined.replace(/\\\s*$/, ' ');
        return;
      }
      pending = '';
      const text = joined.trim().replace(/^\$\s+/, '');
      const words = shellWords(text);
      const env: Record<string, string> = {};
      while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
        const [name, ...value] = words.shift()!.split('=');
        env[name!] = value.join('=');
      }
      const prefix = PREFIXES.find((p) => p.every((w, j) => words[j] === w));
      if (!prefix) return;
      out.push({
        where: `${block.file}:${block.line + i}`,
        text,
        args: words.slice(prefix.length),
        env,
      });
    });
  }
  return out;
}

/** Commands that need neither AWS nor a chain, so the suite runs them for real. */
export function runsOffline(args: string[]): boolean {
  if (args.includes('--help') || args.includes('-h')) return true;
  // `plan` is offline only with --offline; without it, it reads AWS.
  if (args[0] === 'plan') return args.includes('--offline');
  return ['validate', 'agent-config'].includes(args[0] ?? '');
}

/**
 * Whether commander accepts the command line (known command, known options, required options
 * present, no stray arguments) and its `--env` loads, without running it: every command's
 * action is replaced by that check. Undefined when it parses; else what is wrong.
 */
export async function parseProblem(args: string[]): Promise<string | undefined> {
  let stderr = '';
  const io: CliIo = { out: () => {}, err: (t) => (stderr += t), env: {}, cwd: repoRoot };
  const program = buildProgram(io, () => {});
  const leaves: Command[] = [];
  const walk = (c: Command) =>
    c.commands.length === 0 ? leaves.push(c) : c.commands.forEach(walk);
  program.commands.forEach(walk);
  for (const leaf of leaves) {
    leaf.action(() => {
      const env = leaf.opts<{ env?: unknown }>().env;
      if (typeof env === 'string') loadEnvironment(env, repoRoot);
    });
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return undefined;
    const message = error instanceof Error ? error.message : String(error);
    return stderr.trim() || message;
  }
}

export function readDoc(relative: string): CodeBlock[] {
  return codeBlocks(relative, readFileSync(path.join(repoRoot, relative), 'utf8'));
}
