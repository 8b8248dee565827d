import { formatAmount, type UnitsByNetwork } from '../../config/amounts.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from '../../report/table.js';
import type {
  BalanceReading,
  BalanceRow,
  BankSummary,
  Decision,
  KeymasterRun,
  TxResult,
} from '../types.js';

/** Tables of a Keymaster run. Amounts are shown in the chain's native unit (display only). */

function formatReading(reading: BalanceReading, network: string, units: UnitsByNetwork): string {
  return reading.known ? formatAmount(reading.wei, network, units) : 'unknown';
}

export function balanceTable(rows: BalanceRow[], units: UnitsByNetwork): Table {
  return {
    columns: ['Network', 'Home', 'Role', 'Address', 'Balance', 'Lower', 'Target', 'State'],
    rows: rows.map((r) => [
      r.network,
      r.homes.join(', '),
      r.roles.join(', '),
      r.address,
      formatReading(r.balance, r.network, units),
      formatAmount(r.lower, r.network, units),
      formatAmount(r.target, r.network, units),
      !r.balance.known
        ? `unknown: ${r.balance.reason}`
        : r.balance.wei < r.lower
          ? 'below lower'
          : 'ok',
    ]),
  };
}

export function decisionTable(decisions: Decision[], units: UnitsByNetwork): Table {
  return {
    columns: [
      'Network',
      'Home',
      'Role',
      'Address',
      'Balance',
      'Pending',
      'Lower',
      'Target',
      'Send',
      'Decision',
      'Why',
    ],
    rows: decisions.map((d) => [
      d.network,
      d.homes.join(', '),
      d.roles.join(', '),
      d.address,
      formatReading(d.balance, d.network, units),
      d.pendingIn > 0n ? formatAmount(d.pendingIn, d.network, units) : '',
      formatAmount(d.lower, d.network, units),
      formatAmount(d.target, d.network, units),
      d.amount > 0n ? formatAmount(d.amount, d.network, units) : '',
      d.reason,
      d.detail,
    ]),
  };
}

export function sentTable(sent: TxResult[], units: UnitsByNetwork): Table {
  return {
    columns: ['Network', 'To', 'Amount', 'Nonce', 'Status', 'Transaction', 'Fee'],
    rows: sent.map((t) => [
      t.network,
      t.to,
      formatAmount(t.amount, t.network, units),
      String(t.nonce),
      t.status,
      t.hash ?? '',
      t.fee !== undefined ? formatAmount(t.fee, t.network, units) : '',
    ]),
  };
}

export function bankTable(banks: BankSummary[], units: UnitsByNetwork): Table {
  return {
    columns: ['Network', 'Bank', 'Before', 'After', 'Reserve', 'Alert below', 'State'],
    rows: banks.map((b) => [
      b.network,
      b.address,
      formatReading(b.before, b.network, units),
      formatReading(b.after, b.network, units),
      formatAmount(b.reserve, b.network, units),
      formatAmount(b.alertBelow, b.network, units),
      b.low ? 'LOW' : b.after.known ? 'ok' : 'unknown',
    ]),
  };
}

function sections(run: KeymasterRun, units: UnitsByNetwork): Array<[string, Table]> {
  const out: Array<[string, Table]> = [
    [run.dryRun ? 'Plan (dry run: nothing sent)' : 'Plan', decisionTable(run.decisions, units)],
  ];
  if (run.sent.length > 0) out.push(['Sent', sentTable(run.sent, units)]);
  if (!run.dryRun && run.sent.length > 0)
    out.push(['Balances after', balanceTable(run.after, units)]);
  out.push(['Bank', bankTable(run.banks, units)]);
  return out;
}

function verdict(run: KeymasterRun): string {
  if (run.ok) return `Keymaster ${run.environment}: ok`;
  return `Keymaster ${run.environment}: ${run.failures.length} problem(s)${run.bankLow ? ', bank low' : ''}`;
}

export function renderRunConsole(run: KeymasterRun, units: UnitsByNetwork): string {
  const parts = sections(run, units).map(
    ([title, table]) => `${title}\n${renderConsoleTable(table)}`,
  );
  parts.push(verdict(run), ...run.failures.map((f) => `  - ${f.message}`));
  return parts.join('\n\n');
}

export function renderRunMarkdown(run: KeymasterRun, units: UnitsByNetwork): string {
  const parts = [`## ${verdict(run)}`];
  for (const [title, table] of sections(run, units))
    parts.push(`### ${title}`, renderMarkdownTable(table));
  if (run.failures.length > 0) {
    parts.push(
      '### Problems',
      run.failures.map((f) => `- ${f.message.replace(/\r?\n/g, ' ')}`).join('\n'),
    );
  }
  return parts.join('\n\n');
}
