import type { ResolvedEnvironment } from '../config/model.js';
import { loadEnvironment } from '../jobs/environment.js';
import type { CliIo } from './io.js';

/** Loads `--env <name|path>` relative to the command's working directory. */
export function loadEnvOption(nameOrPath: string | undefined, io: CliIo): ResolvedEnvironment {
  return loadEnvironment(nameOrPath, io.cwd);
}
