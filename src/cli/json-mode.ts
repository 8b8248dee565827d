import { errorMessage, exitCodeOf, InputError, type LocatedProblem } from '../errors.js';
import { toJson, type CliIo } from './io.js';

/**
 * `--json` for every command: stdout carries exactly one JSON document, the command's result or,
 * when it fails, `{"error": {code, kind, message, problems}}`. The exit code is unchanged.
 */

export interface JsonError {
  error: {
    code: 1 | 2;
    kind: 'input' | 'operation';
    message: string;
    problems: readonly LocatedProblem[];
  };
}

/** Whether the command line asks for JSON (options end at `--`). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The one JSON document of a failure; `code` decides the kind. */
export function jsonError(error: unknown, code: 1 | 2 = exitCodeOf(error)): JsonError {
  return {
    error: {
      code,
      kind: code === 2 ? 'input' : 'operation',
      message: errorMessage(error).replace(/^error: /, ''),
      problems: error instanceof InputError ? error.problems : [],
    },
  };
}

/**
 * With `hold` (--json), an io whose stdout is held until the command ends, so a failure after a partial write still
 * leaves one document on stdout: `flush` writes what was held, `fail` moves it to stderr (nothing
 * is lost) and writes the error document instead.
 */
export function heldStdout(
  io: CliIo,
  hold: boolean,
): CliIo & { flush(): void; fail(error: JsonError): void } {
  const held: string[] = [];
  return {
    // Without --json, stdout is written as it comes (a service's lines, progress in order).
    out: (text) => (hold ? held.push(text) : io.out(text)),
    err: (text) => io.err(text),
    env: io.env,
    cwd: io.cwd,
    flush: () => held.splice(0).forEach((text) => io.out(text)),
    fail: (error) => {
      held.splice(0).forEach((text) => io.err(text));
      io.out(toJson(error));
    },
  };
}
