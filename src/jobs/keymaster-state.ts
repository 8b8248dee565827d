import { hostname } from 'node:os';
import type { ResolvedEnvironment } from '../config/model.js';
import { awsErrorName, errorMessage, OperationError } from '../errors.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { LEASE_KEY, stateBucketName } from '../inventory/keymaster-state.js';
import { s3StateObjects, type StateObjects } from '../aws/state-objects.js';
import { createLease, type LeaseRecord } from '../keymaster/state/lease.js';
import {
  intentKey,
  intentOf,
  intentPrefixes,
  parseIntent,
  recordKey,
  recordsOf,
  type LedgerContext,
  type LedgerRecord,
} from '../keymaster/state/ledger.js';
import { chainTransfer, recordFromChain } from '../keymaster/state/ledger-chain.js';
import { rotationRecords, type WithBankRotation } from '../keymaster/bank-rotation/run.js';
import type { RunKeymasterOptions } from '../keymaster/run/options.js';
import type { BalanceSnapshot } from '../keymaster/state/ledger-snapshot.js';
import { appendSnapshot } from './ledger-snapshot.js';
import type {
  Decision,
  KeymasterFailure,
  KeymasterLogger,
  KeymasterRun,
  TxResult,
} from '../keymaster/types.js';

/**
 * The Keymaster's state around a paying run (DESIGN §6): take the bank's lease or send nothing;
 * complete the intents an interrupted run left; write an intent before each broadcast and a
 * record after each mined transaction; release the lease. A failed ledger write never stops a
 * send: it is reported and fails the run after the transfers.
 */

export interface KeymasterState {
  objects: StateObjects;
  /** Who pays: the GitHub run, the pod, or the host and process. */
  holder: string;
  context: LedgerContext;
  leaseTtlMs: number;
  renewEveryMs: number;
  clock: () => number;
}

export const DEFAULT_LEASE_TTL_MS = 10 * 60_000;

/** The run's identity: GitHub's run (repository, id, attempt), the pod's name, or host and pid. */
export function holderId(vars: Record<string, string | undefined>): string {
  if (vars.GITHUB_RUN_ID) {
    return `github:${vars.GITHUB_REPOSITORY ?? ''}/runs/${vars.GITHUB_RUN_ID}/${vars.GITHUB_RUN_ATTEMPT ?? '1'}`;
  }
  if (vars.POD_NAME) return `pod:${vars.POD_NAME}`;
  return `host:${vars.HOSTNAME ?? hostname()}/pid/${process.pid}`;
}

export interface LeaseReport {
  held: boolean;
  holder?: LeaseRecord;
  message?: string;
}

export interface LedgerReport {
  records: number;
  intents: number;
  /** Records written for intents an earlier, interrupted run left. */
  completed: number;
  /** The balances snapshot this run appended (burn and running totals); absent when it failed. */
  snapshot?: BalanceSnapshot;
}

export type StatefulRun = KeymasterRun & { lease?: LeaseReport; ledger?: LedgerReport };

const isMissingBucket = (error: unknown) => awsErrorName(error) === 'NoSuchBucket';

export async function payUnderLease(input: {
  env: ResolvedEnvironment;
  state: KeymasterState;
  rpcUrls: Record<string, string | undefined>;
  logger?: KeymasterLogger;
  /** The paying run, with the hook that writes intents. */
  pay: (
    beforeBroadcast: NonNullable<RunKeymasterOptions['beforeBroadcast']>,
  ) => Promise<KeymasterRun>;
  /** A run that reads and decides but sends nothing (the lease is someone else's). */
  watch: () => Promise<KeymasterRun>;
}): Promise<StatefulRun> {
  const { state, logger } = input;
  const lease = createLease({
    store: state.objects,
    key: LEASE_KEY,
    holder: state.holder,
    ttlMs: state.leaseTtlMs,
    clock: state.clock,
  });
  let attempt;
  try {
    attempt = await lease.acquire();
  } catch (error) {
    if (isMissingBucket(error)) {
      // Until bucket apply has created the state bucket there is nothing to coordinate through:
      // the run pays as before (nonces and pending state still prevent paying twice) and says so.
      const message = `the Keymaster's state bucket does not exist yet: paid without the bank's lease and wrote no ledger; run nomad-ops bucket apply --env ${input.env.name}`;
      logger?.warn(message);
      return { ...(await input.pay(async () => {})), lease: { held: false, message } };
    }
    const message = `the bank's lease could not be read or taken (${errorMessage(error)}): nothing sent, another Keymaster may be paying`;
    logger?.warn(message);
    return failed(await input.watch(), { kind: 'lease', message }, { held: false, message });
  }
  if (!attempt.held) {
    logger?.warn(attempt.message);
    return {
      ...(await input.watch()),
      lease: {
        held: false,
        ...(attempt.holder ? { holder: attempt.holder } : {}),
        message: attempt.message,
      },
    };
  }

  const failures: KeymasterFailure[] = [];
  const report: LedgerReport = { records: 0, intents: 0, completed: 0 };
  let lost = false;
  const renewing = setInterval(() => {
    lease.renew().then(
      (ok) => {
        if (!ok && !lost) {
          lost = true;
          failures.push({
            kind: 'lease',
            message: `the bank's lease was lost while this run held it (it expired and another Keymaster took it over); raise the lease expiry or look at what slowed this run`,
          });
        }
      },
      (error: unknown) =>
        logger?.warn(`the bank's lease could not be renewed: ${errorMessage(error)}`),
    );
  }, state.renewEveryMs);
  renewing.unref();
  let run: KeymasterRun;
  try {
    report.completed = await completeIntents(input, failures);
    run = await input.pay(async (signed, sender) => {
      // Another Keymaster may hold the lease now: nothing more is broadcast from this bank.
      if (lost) {
        throw new OperationError(
          `the bank's lease was lost while this run held it: not broadcasting; the next run pays what is still due`,
        );
      }
      report.intents += await writeIntents(state, signed, sender, failures);
    });
  } finally {
    clearInterval(renewing);
  }
  // A bank rotation's transfers are recorded like top-ups (role `bank-rotation`).
  const rotation = (run as WithBankRotation).bankRotation;
  const records = [
    ...recordsOf(run, state.context, state.clock()),
    ...(rotation ? rotationRecords(rotation, state.context, state.clock()) : []),
  ];
  const written: LedgerRecord[] = [];
  for (const record of records) {
    try {
      await state.objects.putIfAbsent(
        recordKey(record.chainId, record.txHash),
        JSON.stringify(record),
      );
      report.records++;
      written.push(record);
    } catch (error) {
      failures.push({
        kind: 'ledger',
        network: record.network,
        message: `${record.network}: the ledger record of ${record.txHash} could not be written (${errorMessage(error)}); the payment was made, its intent stays, and the next run records it`,
      });
    }
  }
  try {
    report.snapshot = await appendSnapshot({
      objects: state.objects,
      environment: input.env.name,
      runId: state.context.runId,
      run,
      records: written,
      now: state.clock(),
    });
  } catch (error) {
    failures.push({
      kind: 'ledger',
      message: `the balances snapshot could not be appended to the ledger (${errorMessage(error)}); this run's burn is not measured, and the next run counts its payments`,
    });
  }
  const released = await lease.release();
  if (released) logger?.warn(released);
  if (failures.length === 0) return { ...run, lease: { held: true }, ledger: report };
  return {
    ...run,
    failures: [...run.failures, ...failures],
    ok: false,
    lease: { held: true },
    ledger: report,
  };
}

function failed(run: KeymasterRun, failure: KeymasterFailure, lease: LeaseReport): StatefulRun {
  return { ...run, failures: [failure, ...run.failures], ok: false, lease };
}

/** Intents of signed top-ups, before their broadcast; a failed write is reported, never blocking. */
async function writeIntents(
  state: KeymasterState,
  signed: TxResult[],
  sender: { from: string; decisions: Decision[] },
  failures: KeymasterFailure[],
): Promise<number> {
  let written = 0;
  await Promise.all(
    signed.map(async (tx) => {
      const now = state.clock();
      const intent = intentOf(tx, state.context, sender.from, sender.decisions, now);
      try {
        await state.objects.putIfAbsent(
          intentKey(tx.chainId, intent.txHash, now),
          JSON.stringify(intent),
        );
        written++;
      } catch (error) {
        failures.push({
          kind: 'ledger',
          network: tx.network,
          message: `${tx.network}: the ledger intent of ${intent.txHash} could not be written (${errorMessage(error)}); it was sent anyway, and its record is written after it is mined`,
        });
      }
    }),
  );
  return written;
}

/**
 * Records for the intents of the last days that have none: a run killed after broadcasting left
 * them. Each is looked up on its chain; one not mined (yet, or ever) stays open.
 */
async function completeIntents(
  input: {
    env: ResolvedEnvironment;
    state: KeymasterState;
    rpcUrls: Record<string, string | undefined>;
  },
  failures: KeymasterFailure[],
): Promise<number> {
  const { env, state } = input;
  let completed = 0;
  try {
    const keys = (
      await Promise.all(intentPrefixes(state.clock()).map((p) => state.objects.list(p)))
    ).flat();
    for (const key of keys) {
      const stored = await state.objects.get(key);
      const intent = stored ? parseIntent(stored.body) : undefined;
      if (!intent) continue;
      const target = recordKey(intent.chainId, intent.txHash);
      if (await state.objects.get(target)) continue;
      const network = env.networks.find((n) => n.chainId === intent.chainId);
      const url = network ? input.rpcUrls[network.name] : undefined;
      if (!url) continue;
      const chain = await chainTransfer(url, intent.txHash, {
        timeoutMs: env.keymaster.rpcTimeoutSeconds * 1000,
      }).catch(() => undefined);
      if (!chain) continue;
      const written = await state.objects.putIfAbsent(
        target,
        JSON.stringify(recordFromChain(intent, chain, state.clock())),
      );
      if (written.ok) completed++;
    }
  } catch (error) {
    failures.push({
      kind: 'ledger',
      message: `the ledger's open intents could not be completed (${errorMessage(error)}); the next run tries again`,
    });
  }
  return completed;
}

/** The state of an environment's Keymaster in its state bucket, with defaults for a real run. */
export function keymasterStateFor(
  env: ResolvedEnvironment,
  s3: S3Client,
  vars: Record<string, string | undefined>,
  settingsHash: string,
  overrides: Partial<KeymasterState> = {},
): KeymasterState {
  const holder = overrides.holder ?? holderId(vars);
  const ttl = overrides.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  return {
    objects: overrides.objects ?? s3StateObjects(s3, stateBucketName(env)),
    holder,
    context: overrides.context ?? {
      environment: env.name,
      commit: vars.NOMAD_OPS_COMMIT ?? vars.GITHUB_SHA ?? 'unknown',
      settingsHash,
      runId: holder,
    },
    leaseTtlMs: ttl,
    renewEveryMs: overrides.renewEveryMs ?? Math.max(1, Math.floor(ttl / 3)),
    clock: overrides.clock ?? Date.now,
  };
}
