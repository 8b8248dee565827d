import { formatAmount, type UnitsByNetwork } from '../../config/amounts.js';
import { toJsonValue } from '../../inventory/json.js';
import { renderConsoleTable, type Table } from '../../report/table.js';
import type { LedgerGroup, LedgerSummary } from './ledger-totals.js';

/** `keymaster ledger` as a console table, CSV or JSON; amounts in the chain's unit and in wei. */

export interface LedgerProblem {
  key: string;
  txHash?: string;
  problems: string[];
}

export interface LedgerReportData {
  environment: string;
  bucket: string;
  since?: string;
  until?: string;
  records: number;
  summary: LedgerSummary;
  /** Records that matched their chain (with --verify). */
  verified?: number;
  problems: LedgerProblem[];
}

function groupTable(title: string, rows: LedgerGroup[], units: UnitsByNetwork): Table {
  return {
    columns: ['Network', title, 'Top-ups', 'Sent', 'Sent (wei)', 'Fees', 'Fees (wei)'],
    rows: rows.map((g) => groupCells(g, units)),
  };
}

/** One group's cells, shared by the console table and the CSV: amounts in unit and in wei. */
function groupCells(g: LedgerGroup, units: UnitsByNetwork): string[] {
  return [
    g.network,
    g.group,
    String(g.topUps),
    formatAmount(g.sentWei, g.network, units),
    g.sentWei.toString(),
    formatAmount(g.feesWei, g.network, units),
    g.feesWei.toString(),
  ];
}

export function renderLedgerConsole(data: LedgerReportData, units: UnitsByNetwork): string {
  const window = `${data.since ?? 'the start'} to ${data.until ?? 'now'}`;
  const parts = [
    `Ledger of ${data.environment} (s3://${data.bucket}), ${window}: ${data.records} transaction(s)`,
    '',
    renderConsoleTable(groupTable(`By ${data.summary.by}`, data.summary.groups, units)),
    '',
    'Totals',
    renderConsoleTable(groupTable('Network', data.summary.totals, units)),
    '',
    'Largest recipients',
    renderConsoleTable(groupTable('Recipient', data.summary.largestRecipients, units)),
  ];
  if (data.verified !== undefined) {
    parts.push('', `Verified against the chains: ${data.verified} of ${data.records} match.`);
  }
  for (const p of data.problems) {
    parts.push(`  - ${p.key}${p.txHash ? ` (${p.txHash})` : ''}: ${p.problems.join('; ')}`);
  }
  return parts.join('\n');
}

const csvCell = (value: string) =>
  /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;

export function renderLedgerCsv(data: LedgerReportData, units: UnitsByNetwork): string {
  const header = ['network', data.summary.by, 'top_ups', 'sent', 'sent_wei', 'fees', 'fees_wei'];
  const rows = data.summary.groups.map((g) => groupCells(g, units));
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
}

export function ledgerJson(data: LedgerReportData, units: UnitsByNetwork): string {
  const withUnits = (g: LedgerGroup) => ({
    ...g,
    sent: formatAmount(g.sentWei, g.network, units),
    fees: formatAmount(g.feesWei, g.network, units),
  });
  return JSON.stringify(
    toJsonValue({
      ...data,
      summary: {
        by: data.summary.by,
        groups: data.summary.groups.map(withUnits),
        totals: data.summary.totals.map(withUnits),
        largestRecipients: data.summary.largestRecipients.map(withUnits),
      },
    }),
    null,
    2,
  );
}
