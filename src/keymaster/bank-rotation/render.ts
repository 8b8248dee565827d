import { formatAmount, type UnitsByNetwork } from '../../config/amounts.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from '../../report/table.js';
import type { SweepVerdict } from './decide.js';
import type { BankRotationReport, WithBankRotation } from './run.js';

/** The bank rotation's part of a run's report: one row per chain, and whether the alias moved. */

function state(verdict: SweepVerdict, units: UnitsByNetwork): string {
  switch (verdict.kind) {
    case 'swept':
      return `swept (${formatAmount(verdict.balance, verdict.network, units)} left, below one fee)`;
    case 'sweep':
      return `to send ${formatAmount(verdict.amount, verdict.network, units)}`;
    case 'wait':
      return `${verdict.failed ? 'FAILED' : 'waiting'}: ${verdict.reason}`;
  }
}

export function rotationTable(report: BankRotationReport, units: UnitsByNetwork): Table {
  return {
    columns: ['Network', 'Sent to new bank', 'Fee', 'Transaction', 'Old bank now'],
    rows: report.chains.map((c) => [
      c.network,
      c.sent ? `${formatAmount(c.sent.amount, c.network, units)} (${c.sent.status})` : '',
      c.sent?.fee !== undefined ? formatAmount(c.sent.fee, c.network, units) : '',
      c.sent?.hash ?? '',
      state(c.after, units),
    ]),
  };
}

function title(report: BankRotationReport): string {
  const moved = report.aliasMoved
    ? `alias moved to ${report.stagedKeyId}`
    : `alias stays until ${report.waiting.join(', ')} ${report.waiting.length === 1 ? 'is' : 'are'} swept`;
  return `Bank rotation ${report.from} → ${report.to} (${moved})`;
}

/** The run's console report with the rotation's section after it, when the run carried one. */
export function withRotationConsole(run: WithBankRotation, units: UnitsByNetwork, text: string) {
  const report = run.bankRotation;
  if (!report) return text;
  return `${text}\n\n${title(report)}\n${renderConsoleTable(rotationTable(report, units))}`;
}

export function withRotationMarkdown(run: WithBankRotation, units: UnitsByNetwork, text: string) {
  const report = run.bankRotation;
  if (!report) return text;
  return `${text}\n\n### ${title(report)}\n\n${renderMarkdownTable(rotationTable(report, units))}`;
}
