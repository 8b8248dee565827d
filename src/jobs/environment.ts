import { loadEnvironmentFile, resolveEnvironmentArg } from '../config/load.js';
import { formatProblem, type Problem, fileProblem } from '../config/problem.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError } from '../errors.js';
import { InventoryError } from '../inventory/errors.js';
import { inventoryFor } from '../inventory/inventory.js';
import type { Inventory } from '../inventory/types.js';

/** Loads `<name|path>` or throws an InputError listing every problem (exit code 2). */
export function loadEnvironment(nameOrPath: string | undefined, cwd: string): ResolvedEnvironment {
  if (!nameOrPath) {
    throw new InputError('no environment given: pass a name (staging) or a file path');
  }
  const file = resolveEnvironmentArg(nameOrPath, cwd);
  const result = loadEnvironmentFile(file);
  if (!result.ok) {
    throw new InputError(result.problems.map(formatProblem).join('\n'), {
      problems: result.problems,
    });
  }
  const problem = inventoryProblem(result.env, file);
  if (problem) throw new InputError(formatProblem(problem), { problems: [problem] });
  return result.env;
}

/**
 * One validation, run first (DESIGN §3): the rules the inventory enforces on what the file
 * describes, checked right after the file loads, so `validate` and every command refuse the same
 * file before any AWS call. The file's own rules report their field; this is the net under them
 * for a rule only the whole inventory can check (it names the file).
 */
export function inventoryProblem(env: ResolvedEnvironment, file: string): Problem | undefined {
  try {
    inventoryFor(env);
    return undefined;
  } catch (error) {
    if (error instanceof InventoryError) return fileProblem(file, error.message);
    throw error;
  }
}

/** The inventory, with naming-rule violations reported as bad input against the file. */
export function inventoryOf(env: ResolvedEnvironment, repository?: string): Inventory {
  try {
    return inventoryFor(env, repository ? { repository } : {});
  } catch (error) {
    if (error instanceof InventoryError) throw new InputError(`${env.source}: ${error.message}`);
    throw error;
  }
}
