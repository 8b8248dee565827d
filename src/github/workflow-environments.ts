import { parse } from 'yaml';

/**
 * The GitHub environments the workflow files name, derived from the files themselves (not a
 * list), so `github check` audits every environment a job can run in: a job naming an
 * environment gets that environment's secrets and the `environment:{name}` OIDC subject its role
 * trusts. Pure: file texts in, names out.
 *
 * A job's `environment:` (a string or `{ name }`) is literal, or built from `${{ matrix.K }}` and
 * `${{ inputs.K }}`: a matrix key's values are its literal list and `include` entries, or, when
 * the key is itself an expression, every JSON list of names written in it and the options of the
 * choice inputs it reads; an input's values are its `options`. A name that cannot be told that
 * way is reported as unresolved, never skipped: the check fails rather than audit too little.
 */

export interface WorkflowFile {
  /** For messages, e.g. `.github/workflows/apply.yml`. */
  path: string;
  text: string;
}

export interface NamedEnvironment {
  name: string;
  /** Where it is named: `{file}: {job}`. */
  jobs: string[];
}

export interface UnresolvedEnvironment {
  job: string;
  value: string;
  reason: string;
}

export interface WorkflowEnvironments {
  environments: NamedEnvironment[];
  unresolved: UnresolvedEnvironment[];
}

interface RawJob {
  environment?: unknown;
  strategy?: { matrix?: unknown };
}
interface RawWorkflow {
  on?: unknown;
  jobs?: Record<string, RawJob>;
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

export function workflowEnvironments(files: WorkflowFile[]): WorkflowEnvironments {
  const named = new Map<string, Set<string>>();
  const unresolved: UnresolvedEnvironment[] = [];
  for (const file of files) {
    const workflow = (parse(file.text) ?? {}) as RawWorkflow;
    for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
      const where = `${file.path}: ${id}`;
      const value = environmentValue(job.environment);
      if (value === undefined) continue;
      const resolved = resolve(value, workflow, job);
      if ('reason' in resolved) {
        unresolved.push({ job: where, value, reason: resolved.reason });
        continue;
      }
      for (const name of resolved.names) {
        named.set(name, (named.get(name) ?? new Set()).add(where));
      }
    }
  }
  return {
    environments: [...named]
      .map(([name, jobs]) => ({ name, jobs: [...jobs].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    unresolved,
  };
}

function environmentValue(environment: unknown): string | undefined {
  if (typeof environment === 'string') return environment;
  if (environment && typeof environment === 'object' && 'name' in environment) {
    const name = environment.name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

type Resolved = { names: string[] } | { reason: string };

function resolve(value: string, workflow: RawWorkflow, job: RawJob): Resolved {
  const parts = value.split(EXPRESSION);
  // split with one capture group: literal, expression, literal, expression, …
  let names = [''];
  for (const [index, part] of parts.entries()) {
    if (index % 2 === 0) {
      names = names.map((n) => n + part);
      continue;
    }
    const values = expressionValues(part.trim(), workflow, job);
    if ('reason' in values) return values;
    names = names.flatMap((n) => values.names.map((v) => n + v));
  }
  return { names: [...new Set(names)] };
}

function expressionValues(expression: string, workflow: RawWorkflow, job: RawJob): Resolved {
  const matrix = /^matrix\.([\w-]+)$/.exec(expression);
  if (matrix) return matrixValues(matrix[1]!, workflow, job);
  const input = /^inputs\.([\w-]+)$/.exec(expression);
  if (input) return inputOptions(input[1]!, workflow);
  return { reason: `\${{ ${expression} }} is neither matrix.<key> nor inputs.<key>` };
}

function matrixValues(key: string, workflow: RawWorkflow, job: RawJob): Resolved {
  const matrix = job.strategy?.matrix;
  if (!matrix || typeof matrix !== 'object') {
    return { reason: `the job's matrix is not a literal mapping, so matrix.${key} is unknown` };
  }
  const entries = matrix as Record<string, unknown>;
  const values: string[] = [];
  const own = entries[key];
  if (Array.isArray(own)) values.push(...own.filter((v): v is string => typeof v === 'string'));
  else if (typeof own === 'string') {
    const listed = namesInExpression(own, workflow);
    if ('reason' in listed) return listed;
    values.push(...listed.names);
  }
  const include = Array.isArray(entries.include) ? (entries.include as unknown[]) : [];
  for (const entry of include) {
    const v = (entry as Record<string, unknown> | null)?.[key];
    if (typeof v === 'string') values.push(v);
  }
  return values.length > 0 ? { names: values } : { reason: `matrix.${key} has no literal values` };
}

/**
 * A matrix key given by an expression: every JSON list of names it writes as a string literal
 * (e.g. `'["staging","production"]'`) and the options of every choice input it reads.
 */
function namesInExpression(text: string, workflow: RawWorkflow): Resolved {
  const names: string[] = [];
  for (const [, literal] of text.matchAll(/'((?:[^']|'')*)'/g)) {
    try {
      const list = JSON.parse(literal!.replace(/''/g, "'")) as unknown;
      if (Array.isArray(list)) {
        names.push(...list.filter((v): v is string => typeof v === 'string' && !v.includes('{')));
      }
    } catch {
      // not a JSON list: an event name, a format string
    }
  }
  for (const [, key] of text.matchAll(/\binputs\.([\w-]+)/g)) {
    const options = inputOptions(key!, workflow);
    if ('reason' in options) return options;
    names.push(...options.names);
  }
  return names.length > 0
    ? { names: [...new Set(names)] }
    : { reason: `no environment names can be read from ${text.trim()}` };
}

function inputOptions(key: string, workflow: RawWorkflow): Resolved {
  const on = workflow.on && typeof workflow.on === 'object' ? workflow.on : {};
  const options: string[] = [];
  for (const trigger of ['workflow_dispatch', 'workflow_call'] as const) {
    const spec = (on as Record<string, { inputs?: Record<string, unknown> } | null>)[trigger]
      ?.inputs?.[key] as { type?: string; options?: unknown } | undefined;
    if (!spec) continue;
    if (spec.type !== 'choice' || !Array.isArray(spec.options)) {
      return { reason: `input ${key} is not a choice, so any name could be given` };
    }
    options.push(...spec.options.filter((v): v is string => typeof v === 'string'));
  }
  return options.length > 0 ? { names: options } : { reason: `no input ${key} with options` };
}
