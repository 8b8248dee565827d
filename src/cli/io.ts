import { toJsonValue } from '../inventory/json.js';
import { redact, redactJson, registerEnvironmentSecrets } from '../redact.js';

/**
 * Where a command writes. Injected so tests capture output without spawning a process, and so
 * `--json` commands keep stdout machine-readable (human notes go to stderr).
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
  env: process.env,
  cwd: process.cwd(),
};

/**
 * The CLI's side of the redaction boundary: everything a command writes, and the messages of the
 * errors it throws, go through `redact` with the secrets of the run (the RPC URLs and AWS
 * credentials of `io.env` are registered here, before any command reads them).
 */
export function redactingIo(io: CliIo): CliIo {
  registerEnvironmentSecrets(io.env);
  return {
    // `--json` output is redacted value by value (keys and shape untouched); text as text.
    out: (text) => io.out(redactJson(text)),
    err: (text) => io.err(redact(text)),
    env: io.env,
    cwd: io.cwd,
  };
}

/** JSON with bigints as decimal strings (wei never loses precision): see toJsonValue. */
export function toJson(value: unknown): string {
  return JSON.stringify(toJsonValue(value), null, 2);
}
