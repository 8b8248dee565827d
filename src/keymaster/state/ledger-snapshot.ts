import { recordKey, type LedgerRecord } from './ledger.js';
import type { BalanceRow, KeymasterRun } from '../types.js';

/**
 * The balances snapshot a paying run appends to the ledger (DESIGN §6), under
 * `ledger/balances/{day}/{seq}.json`: every wallet's balance before and after the run, each
 * wallet's burn since the last snapshot (top-ups excluded), and running totals, so pushed
 * counters add up across runs without reading the whole ledger:
 *
 * - spend: per network and role, everything the ledger's records sent and paid in fees since
 *   the first snapshot. A record is counted once: the snapshot keeps the keys it counted for as
 *   long as the ledger's intents stay open (a record written by a run killed before its snapshot
 *   is counted by the next one, which finds it through its intent).
 * - burn: per wallet, the balance lost between the last snapshot's "after" reading and this
 *   run's "before" reading. Top-ups happen within a run (after "before", before "after"), so they
 *   are never in an interval; an interval in which a wallet's balance rose (money from
 *   elsewhere, or a top-up whose receipt came late) is left out rather than counted as negative.
 *
 * Pure: the previous snapshot, the run and the records in; the next snapshot out.
 */

export const SNAPSHOT_VERSION = 1;
export const BALANCES_PREFIX = 'ledger/balances/';
/** Counted record keys are kept this long: longer than a run completes open intents (3 days). */
export const COUNTED_KEEP_MS = 5 * 86_400_000;

export interface SpendTotal {
  network: string;
  chainId: number;
  /** The recipient's roles joined by `+`; `bank` for a cancel (the bank paid itself nothing). */
  role: string;
  topUps: number;
  transactions: number;
  sentWei: string;
  feesWei: string;
}

export interface WalletSnapshot {
  network: string;
  chainId: number;
  address: string;
  roles: string[];
  /** Balance read before the run's top-ups (at the run's start); absent when unread. */
  beforeWei?: string;
  /** Balance read after them (at the run's end); absent when unread. */
  afterWei?: string;
  /** The interval this snapshot closes: from the last snapshot's after to this before. */
  interval?: { fromMs: number; toMs: number; burnWei: string } | { excluded: string };
  /** Everything this wallet burned in the intervals counted so far. */
  burnTotalWei: string;
  /** This run's "after" reading and when: where the next interval starts (absent when unread). */
  lastWei?: string;
  lastAtMs?: number;
}

export interface BalanceSnapshot {
  version: number;
  environment: string;
  seq: number;
  runId: string;
  time: string;
  startedAtMs: number;
  finishedAtMs: number;
  wallets: WalletSnapshot[];
  spend: SpendTotal[];
  /** Record keys counted in `spend`, with when (ms), for COUNTED_KEEP_MS. */
  counted: Record<string, number>;
}

const pad = (seq: number) => String(seq).padStart(12, '0');
export const snapshotDayPrefix = (ms: number) =>
  `${BALANCES_PREFIX}${new Date(ms).toISOString().slice(0, 10)}/`;
export const snapshotKey = (seq: number, ms: number) => `${snapshotDayPrefix(ms)}${pad(seq)}.json`;

const walletKey = (network: string, address: string) => `${network}\u0000${address.toLowerCase()}`;

/** A record's role label, as the metrics name it. */
export const recordRole = (r: Pick<LedgerRecord, 'roles'>) =>
  r.roles.length > 0 ? r.roles.join('+') : 'bank';

function addRecord(spend: Map<string, SpendTotal>, r: LedgerRecord): void {
  const role = recordRole(r);
  const key = `${r.network}\u0000${role}`;
  const row = spend.get(key) ?? {
    network: r.network,
    chainId: r.chainId,
    role,
    topUps: 0,
    transactions: 0,
    sentWei: '0',
    feesWei: '0',
  };
  row.transactions++;
  row.feesWei = (BigInt(row.feesWei) + BigInt(r.feeWei)).toString();
  if (r.status === 'mined' && BigInt(r.amountWei) > 0n) {
    row.topUps++;
    row.sentWei = (BigInt(row.sentWei) + BigInt(r.amountWei)).toString();
  }
  spend.set(key, { ...row });
}

function rowsByWallet(rows: BalanceRow[]): Map<string, BalanceRow> {
  return new Map(rows.map((r) => [walletKey(r.network, r.address), r]));
}

function walletOf(
  previous: WalletSnapshot | undefined,
  before: BalanceRow | undefined,
  after: BalanceRow | undefined,
  run: Pick<KeymasterRun, 'startedAt' | 'finishedAt'>,
): WalletSnapshot {
  const row = (after ?? before)!;
  const beforeWei = before?.balance.known ? before.balance.wei : undefined;
  const afterWei = after?.balance.known ? after.balance.wei : undefined;
  let burnTotal = BigInt(previous?.burnTotalWei ?? '0');
  let interval: WalletSnapshot['interval'];
  if (previous?.lastWei !== undefined && previous.lastAtMs !== undefined) {
    if (beforeWei === undefined) {
      interval = { excluded: 'the balance before the run could not be read' };
    } else if (beforeWei > BigInt(previous.lastWei)) {
      interval = { excluded: 'the balance rose between runs (not by a top-up of this Keymaster)' };
    } else {
      const burn = BigInt(previous.lastWei) - beforeWei;
      burnTotal += burn;
      interval = { fromMs: previous.lastAtMs, toMs: run.startedAt, burnWei: burn.toString() };
    }
  }
  const last =
    afterWei !== undefined
      ? { lastWei: afterWei.toString(), lastAtMs: run.finishedAt }
      : // Unread after the run: the next interval cannot start here (a top-up may have landed).
        {};
  return {
    network: row.network,
    chainId: row.chainId,
    address: row.address,
    roles: [...row.roles].sort(),
    ...(beforeWei !== undefined ? { beforeWei: beforeWei.toString() } : {}),
    ...(afterWei !== undefined ? { afterWei: afterWei.toString() } : {}),
    ...(interval ? { interval } : {}),
    burnTotalWei: burnTotal.toString(),
    ...last,
  };
}

export interface SnapshotInput {
  environment: string;
  runId: string;
  run: Pick<KeymasterRun, 'before' | 'after' | 'startedAt' | 'finishedAt'>;
  /** Records the run knows of (its own, and those of open intents); counted ones are skipped. */
  records: LedgerRecord[];
  now: number;
}

/** The snapshot that follows `previous` (undefined: the ledger's first). */
export function nextSnapshot(
  previous: BalanceSnapshot | undefined,
  input: SnapshotInput,
): BalanceSnapshot {
  const spend = new Map(
    (previous?.spend ?? []).map((s) => [`${s.network}\u0000${s.role}`, { ...s }]),
  );
  const counted: Record<string, number> = {};
  for (const [key, at] of Object.entries(previous?.counted ?? {})) {
    if (at >= input.now - COUNTED_KEEP_MS) counted[key] = at;
  }
  for (const record of input.records) {
    const key = recordKey(record.chainId, record.txHash);
    if (key in counted || previous?.counted?.[key] !== undefined) continue;
    addRecord(spend, record);
    counted[key] = input.now;
  }
  const before = rowsByWallet(input.run.before);
  const after = rowsByWallet(input.run.after);
  const earlier = new Map(
    (previous?.wallets ?? []).map((w) => [walletKey(w.network, w.address), w]),
  );
  const keys = [...new Set([...before.keys(), ...after.keys(), ...earlier.keys()])].sort();
  const wallets = keys.map((key) => {
    const b = before.get(key);
    const a = after.get(key);
    const prior = earlier.get(key)!;
    // A wallet this run did not watch (settings changed) keeps its history as it was.
    if (!a && !b) {
      const { network, chainId, address, roles, burnTotalWei, lastWei, lastAtMs } = prior;
      return dropUndefined({ network, chainId, address, roles, burnTotalWei, lastWei, lastAtMs });
    }
    return walletOf(prior, b, a, input.run);
  });
  return {
    version: SNAPSHOT_VERSION,
    environment: input.environment,
    seq: (previous?.seq ?? 0) + 1,
    runId: input.runId,
    time: new Date(input.now).toISOString(),
    startedAtMs: input.run.startedAt,
    finishedAtMs: input.run.finishedAt,
    wallets,
    spend: [...spend.values()].sort(
      (a, b) => a.network.localeCompare(b.network) || a.role.localeCompare(b.role),
    ),
    counted,
  };
}

function dropUndefined(value: Record<string, unknown>): WalletSnapshot {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as unknown as WalletSnapshot;
}

/** A snapshot as stored, or undefined when it is not one (a reader never guesses amounts). */
export function parseSnapshot(body: string): BalanceSnapshot | undefined {
  try {
    const value = JSON.parse(body) as Partial<BalanceSnapshot>;
    if (typeof value.seq !== 'number' || !Array.isArray(value.wallets)) return undefined;
    if (!Array.isArray(value.spend) || typeof value.counted !== 'object') return undefined;
    const wei = /^\d+$/;
    for (const s of value.spend) if (!wei.test(s.sentWei) || !wei.test(s.feesWei)) return undefined;
    for (const w of value.wallets) if (!wei.test(w.burnTotalWei)) return undefined;
    return value as BalanceSnapshot;
  } catch {
    return undefined;
  }
}
