import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';

/*
 * Each file under test/fixtures/bad is a broken environment. Its first line lists the field paths
 * the loader must report (`# expect: a.b, c[0]`, `<root>` for the whole file); a trailing
 * `#@ path` comment marks the line a problem must point at, so positions are checked against
 * the file itself rather than against the loader's own walk of it.
 */
const root = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));
const ROOT_PATH = '<root>';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? yamlFiles(join(dir, entry.name))
      : entry.name.endsWith('.yaml')
        ? [join(dir, entry.name)]
        : [],
  );
}

function splitPaths(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s === ROOT_PATH ? '' : s));
}

function expectations(text: string) {
  const lines = text.split('\n');
  const header = /^# expect: (.+)$/.exec(lines[0] ?? '');
  if (!header) throw new Error('fixture must start with "# expect: <field paths>"');
  const markedLines = new Map<string, number>();
  lines.forEach((line, i) => {
    const marker = /#@ (.+)$/.exec(line);
    if (marker) for (const path of splitPaths(marker[1]!)) markedLines.set(path, i + 1);
  });
  return { paths: splitPaths(header[1]!), markedLines, lineCount: lines.length };
}

const files = yamlFiles(root).sort();

describe('bad environment files', () => {
  it('has a corpus of at least 30 broken files', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const { paths, markedLines, lineCount } = expectations(text);
    const result = loadEnvironmentFile(file);
    if (result.ok) throw new Error('loaded a broken file without problems');

    const reported = [...new Set(result.problems.map((p) => p.path))].sort();
    expect(reported, result.problems.map(formatProblem).join('\n')).toEqual(
      [...new Set(paths)].sort(),
    );

    for (const problem of result.problems) {
      expect(problem.file).toBe(file);
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.line).toBeLessThanOrEqual(lineCount);
      expect(problem.col).toBeGreaterThanOrEqual(1);
      expect(problem.message.length).toBeGreaterThan(10);
      expect(problem.message).not.toMatch(/\n\s+at |Error:|undefined|\[object/);
      expect(formatProblem(problem)).toBe(
        `${file}:${problem.line}:${problem.col}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`,
      );
      const marked = markedLines.get(problem.path);
      if (marked !== undefined) expect(problem.line, formatProblem(problem)).toBe(marked);
    }
    const unmarked = paths.filter((p) => p !== '' && !markedLines.has(p));
    expect(unmarked, 'every expected field path needs a #@ line marker').toEqual([]);
  });

  it('never echoes a literal RPC URL or its API key', () => {
    const result = loadEnvironmentFile(join(root, 'rpc-url-literal.yaml'));
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.problems.map(formatProblem).join('\n');
    expect(text).toContain('put the URL in a secret/variable and give its name here');
    expect(text).not.toContain('SECRET0API0KEY');
    expect(text).not.toContain('infura');
  });
});
