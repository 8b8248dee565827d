import type { StateObjects } from '../aws/state-objects.js';
import {
  intentPrefixes,
  parseRecord,
  recordKey,
  type LedgerRecord,
} from '../keymaster/state/ledger.js';
import {
  BALANCES_PREFIX,
  nextSnapshot,
  parseSnapshot,
  snapshotDayPrefix,
  snapshotKey,
  type BalanceSnapshot,
} from '../keymaster/state/ledger-snapshot.js';
import type { KeymasterRun } from '../keymaster/types.js';

/**
 * Reading and appending the ledger's balances snapshots (keymaster/ledger-snapshot.ts) under the
 * bank's lease: one writer at a time, each snapshot created with `If-None-Match: *` at the next
 * sequence number, so two writers (a lease lost mid-run) never both land the same one.
 */

const DAY_MS = 86_400_000;
/** Days looked back, one listing each, before the whole prefix is listed. */
const LOOK_BACK_DAYS = 35;

const newest = (keys: string[]) => [...keys].sort((a, b) => seqOf(a) - seqOf(b)).at(-1);
const seqOf = (key: string) => Number(/(\d+)\.json$/.exec(key)?.[1] ?? -1);

/** The last snapshot appended, or undefined before the first. */
export async function latestSnapshot(
  objects: StateObjects,
  now: number,
): Promise<BalanceSnapshot | undefined> {
  let key: string | undefined;
  for (let day = 0; day <= LOOK_BACK_DAYS && !key; day++) {
    key = newest(await objects.list(snapshotDayPrefix(now - day * DAY_MS)));
  }
  key ??= newest(await objects.list(BALANCES_PREFIX));
  if (!key) return undefined;
  const stored = await objects.get(key);
  const parsed = stored ? parseSnapshot(stored.body) : undefined;
  if (!parsed) {
    throw new Error(`${key} is not a balances snapshot this version reads`);
  }
  return parsed;
}

/** Snapshots whose key falls in [since, until) by day, oldest first. */
export async function snapshotsBetween(
  objects: StateObjects,
  since: number,
  until: number,
): Promise<BalanceSnapshot[]> {
  const days: string[] = [];
  for (let t = since - (since % DAY_MS); t < until; t += DAY_MS) days.push(snapshotDayPrefix(t));
  const keys = (await Promise.all(days.map((p) => objects.list(p)))).flat();
  const read = await Promise.all(keys.map(async (k) => objects.get(k)));
  return read
    .flatMap((o) => (o ? [parseSnapshot(o.body)] : []))
    .filter((s): s is BalanceSnapshot => s !== undefined)
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Records of the last days' intents that `previous` has not counted: those of this run, and
 * those a run killed before its snapshot left (its records are written by the next run).
 */
async function uncountedRecords(
  objects: StateObjects,
  previous: BalanceSnapshot | undefined,
  own: LedgerRecord[],
  now: number,
): Promise<LedgerRecord[]> {
  const counted = previous?.counted ?? {};
  const ownKeys = new Set(own.map((r) => recordKey(r.chainId, r.txHash)));
  const intents = (await Promise.all(intentPrefixes(now).map((p) => objects.list(p)))).flat();
  const keys = intents.flatMap((key) => {
    const m = /\/(\d+)-(0x[0-9a-f]+)\.json$/.exec(key);
    if (!m) return [];
    const target = recordKey(Number(m[1]), m[2]!);
    return target in counted || ownKeys.has(target) ? [] : [target];
  });
  const found = await Promise.all(
    [...new Set(keys)].map(async (key) => {
      const stored = await objects.get(key);
      const parsed = stored ? parseRecord(stored.body) : undefined;
      return parsed && typeof parsed !== 'string' ? [parsed] : [];
    }),
  );
  return [...own, ...found.flat()];
}

/** Appends the snapshot that follows the last one; a conflict (another writer) throws. */
export async function appendSnapshot(input: {
  objects: StateObjects;
  environment: string;
  runId: string;
  run: KeymasterRun;
  records: LedgerRecord[];
  now: number;
}): Promise<BalanceSnapshot> {
  const previous = await latestSnapshot(input.objects, input.now);
  const records = await uncountedRecords(input.objects, previous, input.records, input.now);
  const snapshot = nextSnapshot(previous, {
    environment: input.environment,
    runId: input.runId,
    run: input.run,
    records,
    now: input.now,
  });
  const written = await input.objects.putIfAbsent(
    snapshotKey(snapshot.seq, input.now),
    JSON.stringify(snapshot),
  );
  if (!written.ok) {
    throw new Error(
      `balances snapshot ${snapshot.seq} was written by another Keymaster meanwhile (the lease moved)`,
    );
  }
  return snapshot;
}
