import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { ResolvedEnvironment } from './model.js';
import { fileProblem, type FieldIssue, formatPath, type Problem } from './problem.js';
import { resolveEnvironment } from './resolve.js';
import { Environment } from './schema.js';
import { ENVIRONMENT_NAMES } from './names.js';
import { schemaIssues } from './schema-issues.js';
import { closest } from './suggest.js';
import { crossFieldIssues } from './validate.js';
import { locate, parseYaml, toData, yamlSyntaxProblems, type YamlSource } from './yaml-source.js';
export type LoadResult =
  { ok: true; env: ResolvedEnvironment } | { ok: false; problems: Problem[] };

/** Environment files are a few kilobytes; anything this big is not one. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads, validates and resolves an environment file. Never throws for bad input: every problem
 * in the file comes back, each with file:line:col and the field path.
 */
export function loadEnvironmentFile(path: string): LoadResult {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) {
      return fail(
        fileProblem(
          path,
          `file is larger than ${MAX_FILE_BYTES} bytes; an environment file is a small YAML file`,
        ),
      );
    }
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(fileProblem(path, missingFileMessage(path)));
    if (code === 'EISDIR')
      return fail(
        fileProblem(
          path,
          'is a directory; give an environment file such as environments/staging.yaml',
        ),
      );
    return fail(fileProblem(path, `cannot read the file (${code ?? 'unknown error'})`));
  }
  const text = decodeText(bytes);
  if (text === undefined) {
    return fail(
      fileProblem(
        path,
        'is not a text file (it holds NUL bytes or is not UTF-8); an environment file is UTF-8 YAML',
      ),
    );
  }
  return loadEnvironmentText(text, path);
}

/** As `loadEnvironmentFile`, for text already in memory; `path` names it in problems and picks the expected environment. */
export function loadEnvironmentText(text: string, path: string): LoadResult {
  if (text.includes('\0')) {
    return fail(
      fileProblem(
        path,
        'is not a text file (it holds NUL bytes); an environment file is UTF-8 YAML',
      ),
    );
  }
  const source = parseYaml(text);
  const syntax = yamlSyntaxProblems(source);
  if (syntax.length > 0) return fail(...syntax.map((p) => ({ file: path, ...p })));

  const read = toData(source);
  if (!read.ok) return fail(...read.problems.map((p) => ({ file: path, ...p })));
  const data = read.data;
  if (data === null || data === undefined) {
    return fail(
      fileProblem(
        path,
        'is empty; an environment file is a mapping with environment, aws, networks and keymaster',
      ),
    );
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const what = Array.isArray(data) ? 'a list' : 'a single value';
    return fail(
      fileProblem(
        path,
        `is ${what}, not a mapping; an environment file is a mapping with environment, aws, networks and keymaster`,
      ),
    );
  }

  const parsed = Environment.safeParse(data);
  const issues: FieldIssue[] = [
    ...(parsed.success ? [] : schemaIssues(parsed.error.issues, Environment, data)),
    ...crossFieldIssues(data, { fileEnvironment: environmentOfFileName(path) }),
  ];
  if (issues.length > 0 || !parsed.success) {
    return fail(...issues.map((issue) => locateIssue(source, path, issue)));
  }
  return { ok: true, env: resolveEnvironment(parsed.data, resolve(path)) };
}

/**
 * The file a CLI argument names: a bare environment name (`staging`) means
 * `environments/staging.yaml` under `cwd`; anything else is a path relative to `cwd`.
 */
export function resolveEnvironmentArg(nameOrPath: string, cwd: string): string {
  const bare =
    !nameOrPath.includes('/') && !nameOrPath.includes('\\') && extname(nameOrPath) === '';
  if (bare) return resolve(cwd, 'environments', `${nameOrPath}.yaml`);
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
}

function fail(...problems: Problem[]): LoadResult {
  const sorted = [...problems].sort(
    (a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path),
  );
  return { ok: false, problems: oncePerLocation(sorted) };
}

/**
 * One problem per place in the file: a mistake under an anchor that four networks alias is found
 * at four paths but is one text to fix, so it is reported once, naming the other paths.
 */
function oncePerLocation(sorted: Problem[]): Problem[] {
  const groups = new Map<string, Problem[]>();
  for (const p of sorted) {
    const key = `${p.file}\0${p.line}\0${p.col}\0${p.message}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map(([first, ...others]) =>
    others.length === 0
      ? first!
      : {
          ...first!,
          message: `${first!.message} (the same text is used at ${others.map((o) => o.path).join(', ')})`,
        },
  );
}

function locateIssue(source: YamlSource, file: string, issue: FieldIssue): Problem {
  const { line, col } = locate(source, issue);
  return { file, line, col, path: formatPath(issue.path), message: issue.message };
}

/** `staging.yaml` -> 'staging'; only files named after an environment carry that expectation. */
function environmentOfFileName(path: string): string | undefined {
  const ext = extname(path);
  if (ext !== '.yaml' && ext !== '.yml') return undefined;
  const name = basename(path, ext);
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name) ? name : undefined;
}

function missingFileMessage(path: string): string {
  const dir = dirname(resolve(path));
  const existing = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
        .map((f) => basename(f, extname(f)))
        .sort()
    : [];
  const wanted = basename(path, extname(path));
  if (existing.length === 0) return `file not found, and ${dir} holds no environment files`;
  const near = closest(wanted, existing);
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  return `file not found; environments in ${dir}: ${existing.join(', ')}${hint}`;
}

function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
