import path from 'node:path';
import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { fundingSettingsHash, fundingSettingsOf } from '../inventory/funding-settings.js';
import { keysFor } from '../inventory/keys.js';
import { pendingChange, type ApprovedStatus, type PendingChange } from '../plan/funding/funding.js';

export type { ApprovedStatus };
import { fundingRecordFor, settingsAtCommit } from './funding.js';
import { gitHistoryAt, type GitHistory } from './git-history.js';

/**
 * `keymaster approved`: what the bank records as approved (commit, settings hash, when), whether
 * this checkout's settings are those, whether the recorded commit is on this checkout's history,
 * and the merged funding change still waiting for approval. Reads the record with whatever role
 * runs it (the read-only plan role in keymaster.yml).
 */

export interface ApprovedOptions {
  /** Default: the history of the repository the environment file is in, if any. */
  history?: GitHistory | undefined;
  /** The clock, ms since the epoch (default: the system's). */
  now?: () => number;
}

export async function approvedStatus(
  env: ResolvedEnvironment,
  clients: AwsClients,
  options: ApprovedOptions = {},
): Promise<ApprovedStatus> {
  const keys = keysFor(env);
  const sha256 = fundingSettingsHash(fundingSettingsOf(env, keys));
  const state = await fundingRecordFor(env, clients, keys).read();
  const record = state.bank === 'found' ? (state.record ?? null) : null;
  const history = 'history' in options ? options.history : gitHistoryAt(path.dirname(env.source));
  const onHistory = record?.commit && history ? history.contains(record.commit) : undefined;
  let pending: PendingChange | undefined;
  if (record?.commit && history && onHistory) {
    const hashAt = (commit: string) => {
      const settings = settingsAtCommit(env, commit);
      return settings ? fundingSettingsHash(settings) : undefined;
    };
    const commits = history
      .commitsTouching(record.commit, env.source)
      .map((c) => ({ ...c, sha256: hashAt(c.commit) }));
    pending = pendingChange({
      // The recorded commit's settings hashed by this code: a change of the hash's canonical
      // form between that commit and this one is then no pending change.
      recordedSha256: hashAt(record.commit) ?? record.sha256,
      headSha256: sha256,
      commits,
      head: history.head(),
      now: (options.now ?? Date.now)(),
    });
  }
  return {
    environment: env.name,
    bank: state.bank,
    record,
    checkout: { sha256, approved: record?.sha256 === sha256 },
    onHistory,
    pending: pending ?? null,
  };
}
