import type { Decision, KeymasterRun, TxResult } from '../types.js';

/**
 * The payment ledger (DESIGN §6): one JSON object per transaction the bank got mined, under
 * `ledger/records/{chainId}/{txHash}.json` of the environment's state bucket, written with
 * `If-None-Match: *` (never overwritten; a write retried after a lost answer finds its own record).
 * Before a chain's top-ups are broadcast their intents go to `ledger/intents/…` (the signed
 * transaction's hash is known before broadcast), so a run killed after sending and before its
 * records is made whole by the next run, which looks each open intent up on its chain.
 *
 * Pure: records from a run, keys, parsing. The store and the chain are the job's (jobs/ledger.ts).
 */

export const LEDGER_VERSION = 1;

/** Where a record was written from: the commit and funding settings the run was approved under. */
export interface LedgerContext {
  environment: string;
  commit: string;
  settingsHash: string;
  runId: string;
}

export interface LedgerIntent extends LedgerContext {
  version: number;
  chainId: number;
  network: string;
  txHash: string;
  nonce: number;
  from: string;
  to: string;
  /** The funded key aliases at `to` (several rows may share an address); empty for extra ones. */
  aliases: string[];
  roles: string[];
  amountWei: string;
  signedAt: string;
}

export interface LedgerRecord extends LedgerIntent {
  /** mined: the value moved; reverted: only the fee was paid; cancelled: a zero-value self-transfer replaced it. */
  status: 'mined' | 'reverted' | 'cancelled';
  feeWei: string;
  block: number;
  /** When the record was written (the block's time is on the chain). */
  time: string;
}

export const recordKey = (chainId: number, hash: string) =>
  `ledger/records/${chainId}/${hash.toLowerCase()}.json`;
/** Intents by day, so a run looks only at the last few days' (`intentPrefixes`). */
export const intentKey = (chainId: number, hash: string, now: number) =>
  `${intentDayPrefix(now)}${chainId}-${hash.toLowerCase()}.json`;
const intentDayPrefix = (ms: number) =>
  `ledger/intents/${new Date(ms).toISOString().slice(0, 10)}/`;

/** Days whose open intents a run completes: today and the `days` before it. */
export function intentPrefixes(now: number, days = 3): string[] {
  return Array.from({ length: days + 1 }, (_, i) => intentDayPrefix(now - i * 86_400_000));
}

function rowsAt(decisions: Decision[], tx: Pick<TxResult, 'network' | 'to'>) {
  const d = decisions.find(
    (x) => x.network === tx.network && x.address.toLowerCase() === tx.to.toLowerCase(),
  );
  return {
    aliases: [...new Set(d?.rows.flatMap((r) => (r.alias ? [r.alias] : [])) ?? [])].sort(),
    roles: [...(d?.roles ?? [])].sort(),
  };
}

/** The intent of a signed top-up, written before its broadcast. */
export function intentOf(
  tx: TxResult,
  context: LedgerContext,
  from: string,
  decisions: Decision[],
  now: number,
): LedgerIntent {
  return {
    version: LEDGER_VERSION,
    ...context,
    chainId: tx.chainId,
    network: tx.network,
    txHash: tx.hash!,
    nonce: tx.nonce,
    from,
    to: tx.to,
    ...rowsAt(decisions, tx),
    amountWei: tx.amount.toString(),
    signedAt: new Date(now).toISOString(),
  };
}

/** The records of a run: one per transaction mined (its hash, fee and block known). */
export function recordsOf(run: KeymasterRun, context: LedgerContext, now: number): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const tx of run.sent) {
    if (!['mined', 'reverted', 'cancelled'].includes(tx.status)) continue;
    if (!tx.hash || tx.blockNumber === undefined || tx.fee === undefined) continue;
    const cancelled = tx.status === 'cancelled';
    const base = intentOf(tx, context, run.bankAddress, run.decisions, now);
    out.push({
      ...base,
      // A cancel is the bank paying itself nothing: only its fee left the bank.
      ...(cancelled ? { to: run.bankAddress, aliases: [], roles: [], amountWei: '0' } : {}),
      status: tx.status as LedgerRecord['status'],
      feeWei: tx.fee.toString(),
      block: tx.blockNumber,
      time: new Date(now).toISOString(),
    });
  }
  return out;
}

/** A record as stored, or why it is not one (a reader never guesses amounts). */
export function parseRecord(body: string): LedgerRecord | string {
  let value: Partial<LedgerRecord>;
  try {
    value = JSON.parse(body) as Partial<LedgerRecord>;
  } catch {
    return 'not JSON';
  }
  for (const field of ['txHash', 'network', 'from', 'to', 'amountWei', 'feeWei', 'time'] as const) {
    if (typeof value[field] !== 'string') return `${field} missing`;
  }
  if (!/^\d+$/.test(value.amountWei!) || !/^\d+$/.test(value.feeWei!))
    return 'amount not integer wei';
  if (typeof value.chainId !== 'number' || typeof value.block !== 'number')
    return 'chainId or block missing';
  return value as LedgerRecord;
}

export function parseIntent(body: string): LedgerIntent | undefined {
  try {
    const value = JSON.parse(body) as Partial<LedgerIntent>;
    if (typeof value.txHash !== 'string' || typeof value.chainId !== 'number') return undefined;
    if (typeof value.amountWei !== 'string' || !/^\d+$/.test(value.amountWei)) return undefined;
    return value as LedgerIntent;
  } catch {
    return undefined;
  }
}
