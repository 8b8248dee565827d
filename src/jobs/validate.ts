import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadEnvironmentFile } from '../config/load.js';
import { type Problem } from '../config/problem.js';
import { InputError } from '../errors.js';
import { inventoryProblem } from './environment.js';
import { validationMarkdown, type FileValidation } from '../report/validation.js';
/**
 * `validate`: the environment files checked against the schema and the cross-field rules. Shared
 * by the CLI and the validate action.
 */

/** The environment files under `environments/`, in a stable order. */
export async function defaultEnvironmentFiles(cwd: string): Promise<string[]> {
  const dir = path.join(cwd, 'environments');
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => path.join('environments', n));
}

export function validateFiles(files: string[], cwd: string): FileValidation[] {
  return files.map((file) => {
    const result = loadEnvironmentFile(path.resolve(cwd, file));
    const inventory = result.ok ? inventoryProblem(result.env, file) : undefined;
    // Problems name the file as the operator wrote it, so annotations land on the right path.
    const problems = result.ok
      ? inventory
        ? [inventory]
        : []
      : result.problems.map((p) => ({ ...p, file }));
    return { file, ok: problems.length === 0, problems };
  });
}

export interface ValidateJobResult {
  files: FileValidation[];
  problems: Array<Problem & { file: string }>;
  /** The job summary: one line per file, then every problem with its place. */
  markdown: string;
  /** Why the step fails (no files, or problems in them), after its outputs and summary are set. */
  failure?: InputError;
}

/** The validate action's job: the given files, or every file under `environments/`. */
export async function validateJob(listed: string[], cwd: string): Promise<ValidateJobResult> {
  const targets = listed.length > 0 ? listed : await defaultEnvironmentFiles(cwd);
  const files = validateFiles(targets, cwd);
  const problems = files.flatMap((r) => r.problems);
  const failure =
    targets.length === 0
      ? new InputError(`no environment files found under ${cwd}/environments`)
      : problems.length > 0
        ? new InputError(
            `${problems.length} problem(s) in the environment files; see the annotations`,
          )
        : undefined;
  return {
    files,
    problems,
    markdown: validationMarkdown(files),
    ...(failure ? { failure } : {}),
  };
}
