import { InputError } from '../../errors.js';
import type { LedgerRecord } from './ledger.js';

/**
 * What the bank spent, from ledger records: pure. Amounts on different chains are different
 * tokens, so every group is also per network and nothing is ever added across networks. Sent is
 * the value that moved (mined top-ups); fees count every transaction the bank paid for
 * (reverted ones and cancels included).
 */

export const LEDGER_GROUPINGS = ['network', 'role', 'month', 'recipient'] as const;
export type LedgerGrouping = (typeof LEDGER_GROUPINGS)[number];

export interface LedgerGroup {
  network: string;
  chainId: number;
  /** The network, role, month (YYYY-MM) or recipient address. */
  group: string;
  topUps: number;
  transactions: number;
  sentWei: bigint;
  feesWei: bigint;
}

export interface LedgerSummary {
  by: LedgerGrouping;
  groups: LedgerGroup[];
  /** Per network: everything in the window. */
  totals: LedgerGroup[];
  /** Per network, the recipients paid most, largest first. */
  largestRecipients: LedgerGroup[];
}

/** `30d`, `12h`, `2w`, or an ISO date/time: the instant it names (relative ones count back from `now`). */
export function parseInstant(text: string, flag: string, now: number): number {
  const relative = /^(\d+)([hdw])$/.exec(text);
  if (relative) {
    const hours = { h: 1, d: 24, w: 168 }[relative[2] as 'h' | 'd' | 'w'];
    return now - Number(relative[1]) * hours * 3_600_000;
  }
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(ms)) return ms;
  throw new InputError(
    `${flag} ${text}: give a duration back from now (30d, 12h, 2w) or a date (2026-11-01, 2026-11-01T12:00:00Z)`,
  );
}

export function inWindow(records: LedgerRecord[], since?: number, until?: number): LedgerRecord[] {
  return records.filter((r) => {
    const t = Date.parse(r.time);
    return (since === undefined || t >= since) && (until === undefined || t < until);
  });
}

function groupOf(record: LedgerRecord, by: LedgerGrouping): string {
  switch (by) {
    case 'network':
      return record.network;
    case 'role':
      return record.roles.length > 0 ? record.roles.join('+') : 'bank (cancel)';
    case 'month':
      return record.time.slice(0, 7);
    case 'recipient':
      return record.to.toLowerCase();
  }
}

function add(map: Map<string, LedgerGroup>, record: LedgerRecord, group: string): void {
  const key = `${record.network}\u0000${group}`;
  const row = map.get(key) ?? {
    network: record.network,
    chainId: record.chainId,
    group,
    topUps: 0,
    transactions: 0,
    sentWei: 0n,
    feesWei: 0n,
  };
  row.transactions++;
  row.feesWei += BigInt(record.feeWei);
  if (record.status === 'mined' && BigInt(record.amountWei) > 0n) {
    row.topUps++;
    row.sentWei += BigInt(record.amountWei);
  }
  map.set(key, row);
}

const byNetworkThenGroup = (a: LedgerGroup, b: LedgerGroup) =>
  a.network.localeCompare(b.network) || a.group.localeCompare(b.group);

export function summarizeLedger(
  records: LedgerRecord[],
  by: LedgerGrouping,
  largest = 5,
): LedgerSummary {
  const groups = new Map<string, LedgerGroup>();
  const totals = new Map<string, LedgerGroup>();
  const recipients = new Map<string, LedgerGroup>();
  for (const r of records) {
    add(groups, r, groupOf(r, by));
    add(totals, r, r.network);
    if (r.status === 'mined' && BigInt(r.amountWei) > 0n) add(recipients, r, r.to.toLowerCase());
  }
  const largestRecipients = [...new Set([...recipients.values()].map((g) => g.network))]
    .sort()
    .flatMap((network) =>
      [...recipients.values()]
        .filter((g) => g.network === network)
        .sort((a, b) => (b.sentWei > a.sentWei ? 1 : b.sentWei < a.sentWei ? -1 : 0))
        .slice(0, largest),
    );
  return {
    by,
    groups: [...groups.values()].sort(byNetworkThenGroup),
    totals: [...totals.values()].sort(byNetworkThenGroup),
    largestRecipients,
  };
}
