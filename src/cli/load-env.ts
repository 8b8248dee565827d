import { formatProblem, loadEnvironmentFile, resolveEnvironmentArg } from '../config/load.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError } from './errors.js';
import type { CliIo } from './io.js';

/** Loads `--env <name|path>` or throws an InputError listing every problem (exit code 2). */
export function loadEnvOption(nameOrPath: string | undefined, io: CliIo): ResolvedEnvironment {
  if (!nameOrPath)
    throw new InputError('--env is required: an environment name (staging) or a file path');
  const result = loadEnvironmentFile(resolveEnvironmentArg(nameOrPath, io.cwd));
  if (!result.ok) throw new InputError(result.problems.map(formatProblem).join('\n'));
  return result.env;
}
