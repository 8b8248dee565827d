import type { ResolvedEnvironment } from '../config/model.js';
import { fundingSettingsOf } from '../inventory/funding-settings.js';
import { keysFor } from '../inventory/keys.js';
import { planFunding, type FundingPlan } from '../plan/funding/funding.js';
import { prepareKeys, type KeysResult } from '../plan/keys/keys.js';
import type { KeyRow } from '../plan/keys/types.js';
import { keysJson, renderKeysConsole, renderKeysMarkdown, type KeysJson } from '../report/keys.js';
import type { AwsClients } from '../aws/clients.js';
import { errorMessage } from '../errors.js';
import type { Progress } from '../progress.js';
import { writeFundingRecord } from './bank-rotation.js';
import { fundingRecordFor, settingsAtCommit } from './funding.js';

export interface KeysJobResult {
  result: KeysResult;
  /** The funding settings and what the bank records; after apply, with the outcome. */
  funding: FundingPlan;
  json: KeysJson;
  console: string;
  markdown: string;
  /** Keys this run created or adopted. */
  created: number;
  /** Keys and (apply) the funding record are fine. */
  ok: boolean;
}

export interface KeysJobOptions {
  /** Progress of apply's steps on stderr (`createProgress`); nothing by default. */
  progress?: Progress;
  /** KMS writes per second, each operation (default 5): see `kmsWritesPerSecond()`. */
  kmsWritesPerSecond?: number;
  /** Check the policy, grants and tags of every aliased key (`--verify-key-trust`). */
  verifyKeyTrust?: boolean;
  /** The commit the file comes from, recorded with the funding settings (GITHUB_SHA in workflows). */
  commit?: string;
  /** Previous settings of a recorded commit, to show what changed (default: read with git). */
  settingsAtCommit?: typeof settingsAtCommit;
  /** The clock the record's time comes from (default: the system's). */
  now?: () => Date;
}

/** A keys job read once (funding record and keys), and the apply of exactly that plan. */
export interface PreparedKeysJob {
  /** The plan as read: what `keys plan` reports, and what an approved apply compares. */
  plan: KeysJobResult;
  /** Creates, adopts and retires what the plan says, then records the funding settings. */
  apply(): Promise<KeysJobResult>;
  /** The key writes alone: the record is left for `record`, once everything else is applied. */
  applyKeys(): Promise<KeysJobResult>;
  /** Records the funding settings after `applyKeys` (only when every key is in place). */
  record(applied: KeysJobResult): Promise<KeysJobResult>;
}

/**
 * Reads the bank's funding record and the keys once, and plans. The plan carries the funding
 * settings (they move money, so they are approved with the keys); every apply that leaves every
 * key in place records their sha256, the commit and the time on the bank, even when the settings
 * did not change: the Keymaster runs the recorded commit.
 */
export async function prepareKeysJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: KeysJobOptions & { mode?: 'plan' | 'apply'; onlyPlannedLeftovers?: boolean } = {},
): Promise<PreparedKeysJob> {
  const mode = options.mode ?? 'apply';
  const keys = keysFor(env);
  const record = fundingRecordFor(env, clients, keys);
  const settings = fundingSettingsOf(env, keys);
  const state = await record.read();
  const previousAt = options.settingsAtCommit ?? settingsAtCommit;
  const recordedCommit = state.bank === 'found' ? state.record?.commit : undefined;
  const funding: FundingPlan = planFunding({
    settings,
    state,
    recordedSettings: recordedCommit ? previousAt(env, recordedCommit) : undefined,
  });
  const prepared = await prepareKeys(
    {
      env,
      keys,
      clients,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.kmsWritesPerSecond ? { kmsWritesPerSecond: options.kmsWritesPerSecond } : {}),
      ...(options.verifyKeyTrust ? { verifyKeyTrust: true } : {}),
      ...(options.onlyPlannedLeftovers ? { onlyPlannedLeftovers: true } : {}),
    },
    mode,
  );
  const finish = (result: KeysResult, outcome: FundingPlan, shown: string): KeysJobResult => ({
    result,
    funding: outcome,
    json: keysJson(result, outcome),
    console: renderKeysConsole(result, outcome),
    markdown: renderKeysMarkdown(result, {
      title: `Keys — ${env.name} (${shown})`,
      funding: outcome,
    }),
    created: result.rows.filter((r) => r.status === 'created' || r.status === 'adopted').length,
    ok: result.ok && outcome.outcome !== 'failed',
  });
  const writeRecord = async (result: KeysResult): Promise<KeysJobResult> => {
    // A plan that failed (a change reviewers cannot see) is never recorded.
    if (funding.outcome === 'failed') return finish(result, funding, 'apply');
    const recordedAt = (options.now ?? (() => new Date()))().toISOString();
    const outcome = await recordFunding(funding, result, () =>
      // A switched bank rotation also names the staged bank and records on it (bank-rotation.ts).
      writeFundingRecord({
        env,
        clients,
        write: (r) => record.write(r),
        record: {
          sha256: funding.sha256,
          ...(options.commit ? { commit: options.commit.toLowerCase() } : {}),
          recordedAt,
        },
      }),
    );
    return finish(result, outcome, 'apply');
  };
  return {
    plan: finish(prepared.plan, funding, 'plan'),
    apply: async () => {
      const result = await prepared.apply();
      return writeRecord(result);
    },
    applyKeys: async () => finish(await prepared.apply(), funding, 'apply'),
    record: async (applied) => writeRecord(applied.result),
  };
}

/** `keys plan|apply` for one environment: shared by the CLI and the provision-keys action. */
export async function keysJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  mode: 'plan' | 'apply',
  options: KeysJobOptions = {},
): Promise<KeysJobResult> {
  const prepared = await prepareKeysJob(env, clients, { ...options, mode });
  return mode === 'plan' ? prepared.plan : prepared.apply();
}

const IN_PLACE: ReadonlySet<KeyRow['status']> = new Set(['exists', 'created', 'adopted']);

/**
 * Records the settings once every key is in place (a missing key is an alias the Keymaster would
 * fund unchecked); a failure is reported, never thrown past the keys.
 */
async function recordFunding(
  funding: FundingPlan,
  result: KeysResult,
  write: () => Promise<void>,
): Promise<FundingPlan> {
  const missing = result.rows.filter(
    (r) => r.status !== 'leftover' && r.status !== 'scheduled' && !IN_PLACE.has(r.status),
  );
  if (missing.length > 0 || !result.rows.some((r) => r.purpose === 'bank')) {
    const named = missing
      .slice(0, 3)
      .map((r) => `${r.alias} is ${r.status}`)
      .join(', ');
    return {
      ...funding,
      outcome: 'failed',
      error: `${named || 'the bank is missing'}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''}: the funding settings were not recorded, so the Keymaster keeps paying the last recorded ones; fix the keys and run the apply again`,
    };
  }
  try {
    await write();
    return { ...funding, outcome: 'recorded' };
  } catch (error) {
    return {
      ...funding,
      outcome: 'failed',
      error: `the funding settings could not be recorded on the bank: ${errorMessage(error)}; run the apply again`,
    };
  }
}
