import { InputError } from '../errors.js';

/** The environment variable that sets the KMS write rate when no flag does. */
export const KMS_WRITES_PER_SECOND_ENV = 'NOMAD_OPS_KMS_WRITES_PER_SECOND';

/**
 * The KMS write rate (CreateKey, CreateAlias, DisableKey, ScheduleKeyDeletion, each per second)
 * from a flag or `NOMAD_OPS_KMS_WRITES_PER_SECOND`; undefined for the default (5, KMS's quota).
 * Raise it only with a raised quota: paced above the quota, KMS throttles and the SDK retries.
 */
export function kmsWritesPerSecond(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): number | undefined {
  const [source, text] =
    flag !== undefined
      ? ['--kms-writes-per-second', flag]
      : [KMS_WRITES_PER_SECOND_ENV, env[KMS_WRITES_PER_SECOND_ENV]];
  if (text === undefined || text === '') return undefined;
  const rate = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(rate > 0) || rate > 1000) {
    throw new InputError(
      `${source} is ${JSON.stringify(text)}: give the KMS write quota of the account, a number ` +
        'of requests per second above 0 (default 5, the documented KMS quota)',
    );
  }
  return rate;
}
