import { formatProblem, loadEnvironmentFile, resolveEnvironmentArg } from '../config/load.js';
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
  const result = loadEnvironmentFile(resolveEnvironmentArg(nameOrPath, cwd));
  if (!result.ok) {
    throw new InputError(result.problems.map(formatProblem).join('\n'), {
      problems: result.problems,
    });
  }
  return result.env;
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
