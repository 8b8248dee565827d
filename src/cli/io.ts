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

/** JSON with bigints as decimal strings (wei never loses precision). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}
