import type { ResolvedEnvironment } from '../config/model.js';
import { fundingSettingsOf } from '../inventory/funding-settings.js';
import { keysFor } from '../inventory/keys.js';
import type { FundingPlan } from '../plan/funding/funding.js';
import { fundingOf, fundingReconciler, keysNotInPlace } from '../plan/funding/reconcile.js';
import { prepareKeys } from '../plan/keys/keys.js';
import { rotationsFor } from '../inventory/rotations.js';
import { keyRows, type KeysResult } from '../plan/keys/rows.js';
import type { OrphanBalanceReader } from '../plan/keys/orphans.js';
import { KEY_STATUS, type KeyRow } from '../plan/keys/types.js';
import { prepare } from '../plan/reconcile.js';
import { keysJson, renderKeysConsole, renderKeysMarkdown, type KeysJson } from '../report/keys.js';
import type { AwsClients } from '../aws/clients.js';
import type { Progress } from '../progress.js';
import { rotatingFundingRecord } from './bank-rotation.js';
import { fundingRecordFor, settingsAtCommit } from './funding.js';
import { orphanBalanceReader } from './orphan-balances.js';

export interface KeysJobResult {
  result: KeysResult;
  /** The key table's rows (`keyRows(result)`). */
  rows: KeyRow[];
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
  /** `--prune`: retire orphaned keys that are drained or whose network the file abandons. */
  prune?: boolean;
  /** Reads orphaned wallets' balances (default: through the networks' RPC, `orphanBalanceReader`). */
  orphanBalances?: OrphanBalanceReader;
  /** Where the networks' RPC URLs are read from (default: process.env). */
  variables?: Record<string, string | undefined>;
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
 * Reads the bank's funding record and the keys once, and plans both (two resources of the one
 * loop). The plan carries the funding settings (they move money, so they are approved with the
 * keys); an apply that leaves every key in place records their sha256 and the commit on the bank
 * when the bank does not record exactly those: the Keymaster runs the recorded commit.
 */
export async function prepareKeysJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: KeysJobOptions & { mode?: 'plan' | 'apply'; onlyPlannedLeftovers?: boolean } = {},
): Promise<PreparedKeysJob> {
  const mode = options.mode ?? 'apply';
  const keys = keysFor(env);
  const previousAt = options.settingsAtCommit ?? settingsAtCommit;
  // Written only after the keys' apply says every key is in place.
  let blocker = 'the keys were not applied: the funding settings were not recorded';
  const fundingRecord = await prepare(
    fundingReconciler({
      // A switched bank rotation also names the staged bank and records on it (bank-rotation.ts).
      store: rotatingFundingRecord(env, clients, fundingRecordFor(env, clients, keys)),
      bank: keys.find((k) => k.purpose === 'bank')?.alias ?? 'bank',
      settings: fundingSettingsOf(env, keys),
      commit: options.commit,
      settingsAt: (commit) => previousAt(env, commit),
      now: options.now ?? (() => new Date()),
      blocker: () => blocker || undefined,
    }),
    {},
  );
  const funding = fundingOf(fundingRecord.plan);
  const prepared = await prepareKeys(
    {
      env,
      keys,
      clients,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.kmsWritesPerSecond ? { kmsWritesPerSecond: options.kmsWritesPerSecond } : {}),
      ...(options.verifyKeyTrust ? { verifyKeyTrust: true } : {}),
      ...(options.onlyPlannedLeftovers ? { onlyPlannedLeftovers: true } : {}),
      orphans: {
        balanceOf:
          options.orphanBalances ??
          orphanBalanceReader(env, options.variables ? { variables: options.variables } : {}),
        prune: Boolean(options.prune),
        abandon: env.abandonNetworks ?? [],
        gracePeriodDays: env.gracePeriodDays,
      },
      rotations: rotationsFor(env, keys),
      gracePeriodDays: env.gracePeriodDays,
    },
    mode,
  );
  const finish = (result: KeysResult, outcome: FundingPlan): KeysJobResult => {
    const rows = keyRows(result);
    return {
      result,
      rows,
      funding: outcome,
      json: keysJson(rows, result.ok, outcome, options.prune),
      console: renderKeysConsole(rows, outcome),
      markdown: renderKeysMarkdown(rows, result.ok, {
        title: `Keys — ${env.name} (${result.mode})`,
        funding: outcome,
      }),
      created: rows.filter((r) => KEY_STATUS[r.status].isNew && KEY_STATUS[r.status].inPlace)
        .length,
      ok: result.ok && outcome.outcome !== 'failed',
    };
  };
  const record = async (applied: KeysJobResult): Promise<KeysJobResult> => {
    blocker = keysNotInPlace(applied.rows) ?? '';
    return finish(applied.result, fundingOf(await fundingRecord.apply()));
  };
  const applyKeys = async () => finish(await prepared.apply(), funding);
  return {
    plan: finish(prepared.plan, funding),
    apply: async () => record(await applyKeys()),
    applyKeys,
    record,
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
