import path from 'node:path';
import * as core from '@actions/core';
import { InputError } from '../../errors.js';

/** `mode` inputs: one of the allowed words, or a clear failure naming the input. */
export function getChoiceInput<T extends string>(name: string, choices: readonly T[]): T {
  const value = core.getInput(name, { required: true }) as T;
  if (!choices.includes(value)) {
    throw new InputError(`input ${name} is "${value}"; expected one of ${choices.join(', ')}`);
  }
  return value;
}

/** A 'true' / 'false' input; empty means the default. Anything else is a clear failure. */
export function getBooleanInput(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name).trim();
  if (value === '') return defaultValue;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InputError(`input ${name} is "${value}"; expected true or false`);
}

/** The repository checkout the action works in (`working-directory`, default the workspace). */
export function workingDirectory(): string {
  return path.resolve(core.getInput('working-directory') || process.env.GITHUB_WORKSPACE || '.');
}
