import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Runs a JavaScript action the way the GitHub runner does: `node <runs.main>` from
 * `actions/<name>/action.yml`, inputs as `INPUT_<NAME>` variables (action.yml defaults applied
 * here, since running the bundle by hand does not apply them), and the file commands
 * (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, ...) as temporary files read back afterwards.
 */

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunActionOptions {
  /** Inputs by their action.yml name; missing ones take the action.yml default. */
  inputs?: Record<string, string | number | boolean>;
  /** The webhook event, written to the file GITHUB_EVENT_PATH names. */
  event?: unknown;
  /** GITHUB_EVENT_NAME; default 'workflow_dispatch'. */
  eventName?: string;
  /** GITHUB_REPOSITORY; default 'nomad-xyz/nomad-agent-ops'. */
  repository?: string;
  /** GITHUB_WORKSPACE (also the working directory); default rootDir. */
  workspace?: string;
  /** Extra environment (e.g. AWS_ENDPOINT_URL and credentials for moto), applied last. */
  env?: Record<string, string | undefined>;
  /** Where `actions/<name>/action.yml` lives; default the repository root. */
  rootDir?: string;
  /** The action is killed after this long; default 60 s. */
  timeoutMs?: number;
}

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** What the action wrote to GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** What the action wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** What the action exported to the job's later steps (GITHUB_ENV). */
  exported: Record<string, string>;
  /** The files the action left under RUNNER_TEMP, by path relative to it. */
  runnerTempFiles: Record<string, string>;
}

interface ActionInput {
  default?: unknown;
}

interface ActionMetadata {
  inputs: Record<string, ActionInput>;
  main: string;
}

export async function readActionMetadata(actionDir: string): Promise<ActionMetadata> {
  const file = path.join(actionDir, 'action.yml');
  const doc = parse(await readFile(file, 'utf8')) as {
    inputs?: Record<string, ActionInput | null>;
    runs?: { using?: string; main?: string };
  } | null;
  const runs = doc?.runs;
  if (!runs?.using?.startsWith('node') || !runs.main) {
    throw new Error(`${file}: not a JavaScript action (runs.using node24 and runs.main needed)`);
  }
  const inputs = Object.fromEntries(
    Object.entries(doc?.inputs ?? {}).map(([name, spec]) => [name, spec ?? {}]),
  );
  return { inputs, main: runs.main };
}

/** The runner's variable name for an input: upper-cased, spaces to `_`, hyphens kept. */
export function inputVariableName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** INPUT_* variables: the given inputs, action.yml defaults for the others (none when no default). */
export function inputVariables(
  declared: Record<string, ActionInput>,
  given: Record<string, string | number | boolean>,
): Record<string, string> {
  const undeclared = Object.keys(given).filter((name) => !(name in declared));
  if (undeclared.length > 0) {
    throw new Error(`inputs not declared in action.yml: ${undeclared.join(', ')}`);
  }
  const variables: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = name in given ? given[name] : spec.default;
    if (value !== undefined && value !== null) variables[inputVariableName(name)] = String(value);
  }
  return variables;
}

/**
 * The environment of the action's process: this process's environment without anything a real
 * runner, a real GitHub or real AWS credentials could have put there (so a test never acts on
 * them), then the runner's variables, then `extra`.
 */
export function actionEnvironment(
  base: NodeJS.ProcessEnv,
  runner: Record<string, string>,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || /^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|AWS_|STATE_)/.test(name)) {
      continue;
    }
    env[name] = value;
  }
  Object.assign(env, runner);
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Parses a file-command file (GITHUB_OUTPUT, GITHUB_ENV): `name=value` lines and
 * `name<<DELIMITER` ... `DELIMITER` blocks, the form @actions/core writes. Later entries win.
 */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    // A name holds neither '=' nor '<', so 'a=b<<c' is a value, not a heredoc.
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter!, i + 1);
      if (end === -1) throw new Error(`file command: "${name}" has no closing ${delimiter}`);
      result[name!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (equals > 0) {
      result[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new Error(`file command: cannot read line ${i + 1}: ${JSON.stringify(line)}`);
    }
  }
  return result;
}

/** Node 24, as `runs.using: node24`: this process's node when it is 24, else the devDependency. */
export function node24Binary(): string {
  if (process.versions.node.split('.')[0] === '24') return process.execPath;
  const binary = path.join(REPO_ROOT, 'node_modules/.bin/node');
  if (!existsSync(binary)) throw new Error('Node 24 not found: run npm ci (devDependency node@24)');
  return binary;
}

export async function runAction(name: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const rootDir = options.rootDir ?? REPO_ROOT;
  const actionDir = path.join(rootDir, 'actions', name);
  const metadata = await readActionMetadata(actionDir);
  const entry = path.resolve(actionDir, metadata.main);
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist: build the action bundles (npm run build:actions)`);
  }

  const temp = await mkdtemp(path.join(tmpdir(), `action-${name}-`));
  try {
    const files = {
      GITHUB_OUTPUT: path.join(temp, 'output'),
      GITHUB_STEP_SUMMARY: path.join(temp, 'step-summary'),
      GITHUB_ENV: path.join(temp, 'env'),
      GITHUB_PATH: path.join(temp, 'path'),
      GITHUB_STATE: path.join(temp, 'state'),
      GITHUB_EVENT_PATH: path.join(temp, 'event.json'),
    };
    for (const file of Object.values(files)) await writeFile(file, '');
    await writeFile(files.GITHUB_EVENT_PATH, JSON.stringify(options.event ?? {}));
    const runnerTemp = path.join(temp, 'runner-temp');
    await mkdir(runnerTemp);
    const workspace = options.workspace ?? rootDir;

    const env = actionEnvironment(
      process.env,
      {
        ...inputVariables(metadata.inputs, options.inputs ?? {}),
        ...files,
        GITHUB_ACTIONS: 'true',
        CI: 'true',
        GITHUB_WORKSPACE: workspace,
        GITHUB_REPOSITORY: options.repository ?? 'nomad-xyz/nomad-agent-ops',
        GITHUB_EVENT_NAME: options.eventName ?? 'workflow_dispatch',
        GITHUB_ACTION: name,
        GITHUB_ACTION_PATH: actionDir,
        GITHUB_JOB: 'test',
        GITHUB_RUN_ID: '1',
        GITHUB_RUN_NUMBER: '1',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_SHA: '0'.repeat(40),
        GITHUB_REF: 'refs/heads/main',
        GITHUB_ACTOR: 'test',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_API_URL: 'http://127.0.0.1:9',
        GITHUB_GRAPHQL_URL: 'http://127.0.0.1:9/graphql',
        RUNNER_TEMP: runnerTemp,
        RUNNER_OS: 'Linux',
        RUNNER_ARCH: 'X64',
        RUNNER_NAME: 'test-harness',
      },
      options.env,
    );

    const { exitCode, stdout, stderr } = await spawnCollect(
      node24Binary(),
      [entry],
      { cwd: workspace, env },
      options.timeoutMs ?? 60_000,
    );
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseFileCommand(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      exported: parseFileCommand(await readFile(files.GITHUB_ENV, 'utf8')),
      runnerTempFiles: await readTree(runnerTemp),
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Every file under `dir`, by its path relative to `dir`. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = await readFile(file, 'utf8');
  }
  return files;
}

function spawnCollect(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
  timeoutMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && code === null) {
        reject(new Error(`action timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
      } else {
        resolve({ exitCode: code ?? 1, stdout, stderr });
      }
    });
  });
}
