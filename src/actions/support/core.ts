import * as actionsCore from '@actions/core';
import { errorMessage } from '../../errors.js';
import { maskableSecrets, redact, redactJson, registerEnvironmentSecrets } from '../../redact.js';

/**
 * The actions' side of the redaction boundary: `@actions/core` with every function that writes
 * (log lines, annotations, outputs, the step summary, the failure) passing its text through
 * `redact` first. Action entries import `core` from here, never from `@actions/core`, so an
 * output, a summary or a `::error::` cannot carry an RPC URL or a key whatever produced the text.
 */

type AnnotationProperties = actionsCore.AnnotationProperties;

const text = (message: string | Error): string =>
  redact(typeof message === 'string' ? message : errorMessage(message));

/** The summary, with every text that goes into it redacted (only the methods the actions use). */
const summary = {
  addRaw(content: string, addEol?: boolean) {
    actionsCore.summary.addRaw(redact(content), addEol);
    return summary;
  },
  async write(options?: { overwrite?: boolean }) {
    await actionsCore.summary.write(options);
    return summary;
  },
};

export const core = {
  getInput: actionsCore.getInput,
  getBooleanInput: actionsCore.getBooleanInput,
  setSecret: actionsCore.setSecret,
  info: (message: string) => actionsCore.info(redact(message)),
  debug: (message: string) => actionsCore.debug(redact(message)),
  notice: (message: string | Error, properties?: AnnotationProperties) =>
    actionsCore.notice(text(message), properties),
  warning: (message: string | Error, properties?: AnnotationProperties) =>
    actionsCore.warning(text(message), properties),
  error: (message: string | Error, properties?: AnnotationProperties) =>
    actionsCore.error(text(message), properties),
  setFailed: (message: string | Error) => actionsCore.setFailed(text(message)),
  // An output is data: JSON is redacted value by value, keys untouched (`redactJson`).
  setOutput: (name: string, value: unknown) =>
    actionsCore.setOutput(
      name,
      redactJson(typeof value === 'string' ? value : JSON.stringify(value)),
    ),
  summary,
  /** Hands a secret to the job's later steps (GITHUB_ENV), masked in the runner's log first. */
  exportSecret: (name: string, value: string) => {
    actionsCore.setSecret(value);
    actionsCore.exportVariable(name, value);
  },
};

/**
 * Registers the run's secrets (the value of every `*_RPC_URL` variable with its parts, the AWS
 * secret credentials) for redaction, and with the runner (`::add-mask::`) so its own log masks
 * them too. Runs before anything else an action does.
 */
export function maskEnvironmentSecrets(vars: Record<string, string | undefined>): void {
  // Short values are left out: the runner masks substrings, and drops any output holding one.
  for (const value of maskableSecrets(registerEnvironmentSecrets(vars))) {
    actionsCore.setSecret(value);
  }
}
