/** Exit codes of every `nomad-ops` command. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Bad input from the operator (a flag, a file): exit code 2, nothing was changed. */
export class InputError extends Error {
  override name = 'InputError';
  readonly exitCode = EXIT.badInput;
}

/** The operation ran and did not succeed (a broken key, an AWS error): exit code 1. */
export class OperationError extends Error {
  override name = 'OperationError';
  readonly exitCode = EXIT.failed;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError) return EXIT.badInput;
  return EXIT.failed;
}
