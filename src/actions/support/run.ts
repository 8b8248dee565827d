import { errorMessage } from '../../errors.js';
import { core, maskEnvironmentSecrets } from './core.js';

/**
 * Runs an action body: first the run's secrets (RPC URLs and their parts, AWS secret credentials)
 * are registered for redaction and masked in the runner's log, before any other work; then any
 * error becomes `core.setFailed` with its redacted message (never a stack, which could carry
 * values), and the process exit code follows from it.
 */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    maskEnvironmentSecrets(process.env);
    await body();
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

/** A multi-line or space-separated input as a list (empty input → empty list). */
export function getListInput(name: string): string[] {
  return core
    .getInput(name)
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
