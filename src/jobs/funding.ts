import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import {
  kmsFundingRecord,
  secretFundingRecord,
  type FundingRecordStore,
} from '../aws/funding-record.js';
import { loadEnvironmentText } from '../config/load.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError } from '../errors.js';
import { fundingSettingsOf } from '../inventory/funding-settings.js';
import { type FundingSettings } from '../inventory/funding-types.js';
import { keysFor } from '../inventory/keys.js';
import type { KeySpec } from '../inventory/types.js';

/** Where the approved funding settings are recorded: the bank's KMS key, or its secret. */
export function fundingRecordFor(
  env: ResolvedEnvironment,
  clients: AwsClients,
  keys: KeySpec[] = keysFor(env),
): FundingRecordStore {
  const bank = keys.find((k) => k.purpose === 'bank');
  if (!bank) throw new InputError(`the ${env.name} inventory has no bank key`);
  return bank.secretName
    ? secretFundingRecord(clients.secrets, bank.secretName)
    : kmsFundingRecord(clients.kms, bank.alias);
}

/**
 * The funding settings of the environment file as it was at `commit`, read with git from the
 * repository the file is in; undefined when git, the commit or the file is not there (a shallow
 * clone) or the file did not validate then. Used only to show what changed: the hash decides.
 */
export function settingsAtCommit(
  env: ResolvedEnvironment,
  commit: string,
): FundingSettings | undefined {
  if (!/^[0-9a-f]{7,64}$/.test(commit)) return undefined;
  const dir = path.dirname(env.source);
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const relative = path.relative(top, env.source).split(path.sep).join('/');
    const text = execFileSync('git', ['show', `${commit}:${relative}`], {
      cwd: top,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 4 * 1024 * 1024,
    });
    const loaded = loadEnvironmentText(text, env.source);
    return loaded.ok ? fundingSettingsOf(loaded.env, keysFor(loaded.env)) : undefined;
  } catch {
    return undefined;
  }
}
