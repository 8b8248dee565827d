/**
 * The toolkit's one error hierarchy. Every error it throws on purpose is a `NomadOpsError`, either
 * an `InputError` (bad input from the operator: exit code 2, nothing was changed) or an
 * `OperationError` (the operation ran and did not succeed: exit code 1). Domain errors subclass
 * one of the two, so entries map any error to an exit code and a message in one place.
 */
export abstract class NomadOpsError extends Error {
  abstract readonly exitCode: 1 | 2;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One located problem with an input file (`file:line:col: path: message`). */
export interface LocatedProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

/**
 * Bad input from the operator (a flag, a file): exit code 2, nothing was changed. `problems`
 * carries the located problems of a file, for `--json` callers.
 */
export class InputError extends NomadOpsError {
  readonly exitCode = 2;
  readonly problems: readonly LocatedProblem[];
  constructor(message: string, options?: ErrorOptions & { problems?: readonly LocatedProblem[] }) {
    super(message, options);
    this.problems = options?.problems ?? [];
  }
}

/** The operation ran and did not succeed (a broken key, an AWS error): exit code 1. */
export class OperationError extends NomadOpsError {
  readonly exitCode = 1;
}

/** The message of anything thrown, for one line of output. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The name of anything thrown: for an AWS SDK error its error code (`NotFoundException`,
 * `ThrottlingException`…). Undefined when it has no string name.
 */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('name' in error)) return undefined;
  return typeof error.name === 'string' ? error.name : undefined;
}

/** The exit code for anything thrown: an unexpected error is an operation failure. */
export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof NomadOpsError ? error.exitCode : 1;
}
