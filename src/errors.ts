/** Bad input from the operator (a flag, a file): exit code 2, nothing was changed. */
export class InputError extends Error {
  override name = 'InputError';
  readonly exitCode = 2;
}

/** The operation ran and did not succeed (a broken key, an AWS error): exit code 1. */
export class OperationError extends Error {
  override name = 'OperationError';
  readonly exitCode = 1;
}
