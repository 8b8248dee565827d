import { InputError } from '../errors.js';

export { InputError, OperationError } from '../errors.js';

/** Exit codes of every `nomad-ops` command. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError) return EXIT.badInput;
  return EXIT.failed;
}
