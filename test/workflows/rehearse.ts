import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { parse } from 'yaml';
import { parseFileCommand, readActionMetadata, runAction } from '../harness/run-action.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs a workflow's jobs step by step offline, as the runner would: GitHub's own expression
 * evaluator (@actions/expressions) for `if:`, `with:` and `env:`; `uses: ./actions/*` through
 * the committed bundles (test/harness/run-action.ts), and `uses: ./<dir>/actions/*` (an action of
 * another checkout) through the same bundles; `run:` in bash with GITHUB_OUTPUT; what an action
 * exports (GITHUB_ENV) reaches the later steps; the third-party actions by small stand-ins
 * (checkout: the workspace is already there, moved to `with.ref` when one is given, as a fresh
 * checkout of that ref would be, and a `path` gets a clone at `ref`;
 * configure-aws-credentials: moto credentials; upload/download-artifact: a directory).
 */

export interface Step {
  id?: string;
  name?: string;
  if?: string | boolean;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: boolean;
}
export interface Job {
  needs?: string | string[];
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps: Step[];
}
export interface Workflow {
  jobs: Record<string, Job>;
}

export interface StepResult {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  log: string;
  summary: string;
}
export interface JobResult {
  result: 'success' | 'failure';
  outputs: Record<string, string>;
  steps: StepResult[];
}

export interface World {
  /** The checkout (a git repository) every job works in. */
  workspace: string;
  /** github context. */
  github: Record<string, unknown>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** What configure-aws-credentials puts in the job's environment (moto credentials). */
  aws: Record<string, string>;
  /** Extra variables for every action and run step (RPC URLs, GITHUB_API_URL…). */
  env: Record<string, string>;
  /** Where uploaded artifacts go, one directory per name. */
  artifacts: string;
  /** `gh api repos/…/commits/main --jq .sha` answers this (the branch head). */
  mainHead: () => string;
  needs: Record<string, { result: string; outputs: Record<string, string> }>;
  /** The matrix entry of the job being run. */
  matrix?: Record<string, string>;
}

export function loadWorkflow(text: string): Workflow {
  return parse(text) as Workflow;
}

/** The evaluator's function shape (not exported by the package's entry). */
interface FunctionDefinition {
  name: string;
  minArgs: number;
  maxArgs: number;
  call: (...args: data.ExpressionData[]) => data.ExpressionData;
}

const CONTEXTS = [
  'github',
  'env',
  'vars',
  'secrets',
  'steps',
  'needs',
  'runner',
  'matrix',
  'job',
  'inputs',
  'strategy',
];

function statusFunctions(
  failed: () => boolean,
  cancelled: () => boolean = () => false,
): FunctionDefinition[] {
  const fn = (name: string, value: () => boolean): FunctionDefinition => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value()),
  });
  return [
    fn('success', () => !failed() && !cancelled()),
    fn('failure', failed),
    fn('always', () => true),
    fn('cancelled', cancelled),
  ];
}

/** Evaluates one expression (without `${{ }}`). */
export function evaluate(
  expression: string,
  context: Record<string, unknown>,
  failed: () => boolean = () => false,
  cancelled: () => boolean = () => false,
): data.ExpressionData {
  const functions = statusFunctions(failed, cancelled);
  const lexed = new Lexer(expression).lex();
  const tree = new Parser(lexed.tokens, CONTEXTS, functions).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(
    tree,
    dictionary,
    new Map(functions.map((f) => [f.name.toLowerCase(), f])),
  ).evaluate();
}

/** A `with:`/`env:` value: text with `${{ }}` parts replaced by their string values. */
export function interpolate(
  value: unknown,
  context: Record<string, unknown>,
  failed = () => false,
): string {
  const text = String(value);
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) =>
    evaluate(expr.trim(), context, failed).coerceString(),
  );
}

function condition(
  value: string | boolean | undefined,
  context: Record<string, unknown>,
  failed: () => boolean,
): boolean {
  if (value === undefined) return !failed();
  if (typeof value === 'boolean') return value;
  const text = value.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/.test(text);
  const result = evaluate(`!!(${text})`, context, failed).coerceString() === 'true';
  return hasStatus ? result : result && !failed();
}

/**
 * Whether a job starts, as GitHub decides it from its `if:` once its needs are done: failure()
 * when a needed job failed, cancelled() when the run was cancelled, and without a status
 * function an implicit success() (no needed job failed, the run not cancelled).
 */
export function jobStarts(
  workflow: Workflow,
  jobId: string,
  world: Pick<World, 'github' | 'vars' | 'needs'>,
  run: { cancelled: boolean },
): boolean {
  const job = workflow.jobs[jobId] as Job & { if?: string };
  const failed = () => Object.values(world.needs).some((n) => n.result === 'failure');
  const cancelled = () => run.cancelled;
  const context = { github: world.github, vars: world.vars, needs: world.needs, inputs: {} };
  if (job.if === undefined) return !failed() && !cancelled();
  const text = String(job.if)
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const ok = evaluate(`!!(${text})`, context, failed, cancelled).coerceString() === 'true';
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/.test(text);
  return hasStatus ? ok : ok && !failed() && !cancelled();
}

/**
 * Stand-ins on PATH: a `gh` that answers only what apply.yml asks (the head of main), and `npm`
 * and `npx tsx` that run this checkout's sources (setup-node and `npm ci` are the runner's job).
 */
function ghStandIn(dir: string, head: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'npm'), '#!/usr/bin/env bash\nexit 0\n');
  chmodSync(path.join(bin, 'npm'), 0o755);
  const loader = pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  writeFileSync(
    path.join(bin, 'npx'),
    `#!/usr/bin/env bash\n[ "$1" = tsx ] || { echo "npx stand-in: only tsx" >&2; exit 1; }\nshift\nscript="$1"; shift\nexec "${process.execPath}" --import "${loader}" "${REPO_ROOT}/$script" "$@"\n`,
  );
  chmodSync(path.join(bin, 'npx'), 0o755);
  writeFileSync(
    path.join(bin, 'gh'),
    `#!/usr/bin/env bash\nif [ "$1" = api ] && [[ "$2" == repos/*/commits/main ]]; then echo ${head}; exit 0; fi\necho "gh stand-in: unexpected $*" >&2; exit 1\n`,
  );
  chmodSync(path.join(bin, 'gh'), 0o755);
  return bin;
}

export async function runJob(workflow: Workflow, jobId: string, world: World): Promise<JobResult> {
  const job = workflow.jobs[jobId];
  if (!job) throw new Error(`no job ${jobId}`);
  const temp = mkdtempSync(path.join(tmpdir(), `rehearse-${jobId}-`));
  const runnerTemp = path.join(temp, 'runner-temp');
  mkdirSync(runnerTemp);
  const steps: Record<
    string,
    { outputs: Record<string, string>; outcome: string; conclusion: string }
  > = {};
  const results: StepResult[] = [];
  let failed = false;
  const jobEnv: Record<string, string> = {};
  const context = () => ({
    github: world.github,
    vars: world.vars,
    secrets: world.secrets,
    needs: world.needs,
    runner: { temp: runnerTemp, os: 'Linux' },
    env: jobEnv,
    steps,
    matrix: world.matrix ?? {},
    inputs: {},
  });
  for (const [name, value] of Object.entries(job.env ?? {}))
    jobEnv[name] = interpolate(value, context());
  const isFailed = () => failed;

  for (const [index, step] of job.steps.entries()) {
    const label = step.name ?? step.uses ?? step.run?.split('\n')[0] ?? `step ${index}`;
    if (!condition(step.if, context(), isFailed)) {
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      results.push({ name: label, outcome: 'skipped', outputs: {}, log: '', summary: '' });
      continue;
    }
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(v, context(), isFailed)]),
    );
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(v, context(), isFailed)]),
    );
    const runnerVars = {
      ...world.env,
      ...jobEnv,
      ...stepEnv,
      RUNNER_TEMP: runnerTemp,
      GITHUB_SHA: String(world.github.sha),
      GITHUB_REPOSITORY: String(world.github.repository),
      GITHUB_RUN_ID: String(world.github.run_id),
      GITHUB_RUN_ATTEMPT: String(world.github.run_attempt),
    };
    let result: StepResult;
    const local = /^\.\/(?:([\w.-]+)\/)?actions\/([\w-]+)$/.exec(step.uses ?? '');
    if (local) {
      const name = local[2]!;
      // The runner evaluates action.yml defaults such as `${{ github.token }}`.
      const declared = (await readActionMetadata(path.join(REPO_ROOT, 'actions', name))).inputs;
      for (const [input, spec] of Object.entries(declared)) {
        if (
          !(input in inputs) &&
          typeof spec.default === 'string' &&
          spec.default.includes('${{')
        ) {
          inputs[input] = interpolate(spec.default, context());
        }
      }
      const run = await runAction(name, {
        inputs,
        workspace: world.workspace,
        event: world.github.event,
        eventName: String(world.github.event_name),
        env: runnerVars,
        timeoutMs: 120_000,
      });
      Object.assign(jobEnv, run.exported);
      result = {
        name: label,
        outcome: run.exitCode === 0 ? 'success' : 'failure',
        outputs: run.outputs,
        log: run.stdout + run.stderr,
        summary: run.summary,
      };
    } else if (step.uses) {
      result = { name: label, outcome: 'success', outputs: {}, log: '', summary: '' };
      const action = step.uses.split('@')[0];
      if (action === 'aws-actions/configure-aws-credentials') Object.assign(jobEnv, world.aws);
      else if (action === 'actions/upload-artifact') {
        const dir = path.join(world.artifacts, inputs.name!);
        mkdirSync(dir, { recursive: true });
        cpSync(inputs.path!, path.join(dir, path.basename(inputs.path!)));
      } else if (action === 'actions/download-artifact') {
        const dir = path.join(world.artifacts, inputs.name!);
        try {
          mkdirSync(inputs.path!, { recursive: true });
          for (const f of readdirSync(dir)) cpSync(path.join(dir, f), path.join(inputs.path!, f));
        } catch (error) {
          result = { ...result, outcome: 'failure', log: String(error) };
        }
      } else if (action === 'actions/checkout' && inputs.path) {
        // A second checkout: a clone of the workspace at `ref` (a commit, as the runner fetches it).
        try {
          const dest = path.join(world.workspace, inputs.path);
          execFileSync('git', ['clone', '-q', '--no-checkout', world.workspace, dest]);
          execFileSync('git', ['-C', dest, 'checkout', '-q', '--detach', inputs.ref || 'HEAD']);
        } catch (error) {
          result = { ...result, outcome: 'failure', log: String(error) };
        }
      } else if (action === 'actions/checkout' && inputs.ref) {
        // `main` is the branch; anything else a commit, checked out detached as the action does.
        const ref = inputs.ref === 'main' ? ['main'] : ['--detach', inputs.ref];
        try {
          execFileSync('git', ['checkout', '-q', ...ref], { cwd: world.workspace, stdio: 'pipe' });
        } catch (error) {
          result = { ...result, outcome: 'failure', log: String(error) };
        }
      } else if (!['actions/checkout', 'actions/setup-node'].includes(action!)) {
        throw new Error(`no stand-in for ${step.uses}`);
      }
    } else {
      const output = path.join(temp, `output-${index}`);
      writeFileSync(output, '');
      const bin = ghStandIn(temp, world.mainHead());
      let log: string;
      let outcome: StepResult['outcome'] = 'success';
      try {
        log = execFileSync('bash', ['-e', '-c', step.run!], {
          cwd: world.workspace,
          encoding: 'utf8',
          env: {
            PATH: `${bin}:${process.env.PATH}`,
            HOME: process.env.HOME,
            ...runnerVars,
            GITHUB_OUTPUT: output,
          } as NodeJS.ProcessEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        outcome = 'failure';
        log = String((error as { stdout?: string }).stdout ?? '') + String(error);
      }
      result = {
        name: label,
        outcome,
        outputs: parseFileCommand(await readFile(output, 'utf8')),
        log,
        summary: '',
      };
    }
    results.push(result);
    if (step.id)
      steps[step.id] = {
        outputs: result.outputs,
        outcome: result.outcome,
        conclusion: result.outcome,
      };
    if (result.outcome === 'failure' && !step['continue-on-error']) failed = true;
  }
  const outputs = Object.fromEntries(
    Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, context())]),
  );
  return { result: failed ? 'failure' : 'success', outputs, steps: results };
}

/** A git repository holding `files` (relative path → content), committed; returns its head. */
export function commitAll(dir: string, message: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();
  try {
    git('rev-parse', '--git-dir');
  } catch {
    git('init', '-q', '-b', 'main');
  }
  // A job's checkout may have left the workspace on a detached commit: commits go on main.
  if (git('branch', '--show-current') === '') git('checkout', '-q', 'main');
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);
  return git('rev-parse', 'HEAD');
}
