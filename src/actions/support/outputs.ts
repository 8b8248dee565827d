import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redactJson } from '../../redact.js';
import { core } from './core.js';

/**
 * Sets a JSON output, and writes the same text to a file whose path is the output `<name>-file`.
 * Workflows pass the file on: the runner hands inputs to an action as environment variables, and
 * Linux refuses to start a process with one over 128 KiB, which a large plan exceeds.
 */
export function setJsonOutput(name: string, environment: string, json: string): void {
  const safe = redactJson(json);
  core.setOutput(name, safe);
  const dir = path.join(process.env.RUNNER_TEMP ?? path.resolve('.tmp'), 'nomad-ops');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${environment}-${name}.json`);
  writeFileSync(file, safe);
  core.setOutput(`${name}-file`, file);
}
