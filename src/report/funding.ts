import { shortHash } from '../inventory/canonical.js';
import type { FundingSettingChange } from '../inventory/funding-types.js';
import type { FundingPlan } from '../plan/funding/funding.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from './table.js';

/**
 * The funding settings of a plan as people review them: one line saying whether the Keymaster
 * will pay with new settings, and the settings that change, before → after.
 */

/** The funding part of a plan as it travels in JSON (the provision-keys `keys-json`). */
export type FundingJson = Pick<
  FundingPlan,
  'action' | 'sha256' | 'recorded' | 'baseline' | 'changes' | 'outcome' | 'error'
>;

export function fundingChangeTable(changes: FundingSettingChange[]): Table {
  return {
    columns: ['Setting', 'Before', 'After'],
    rows: changes.map((c) => [c.setting, c.before ?? '—', c.after ?? '— (removed)']),
  };
}

/** The headline: unchanged, or what apply records (and, after apply, whether it did). */
export function fundingHeadline(plan: FundingJson): string {
  const now = `\`${shortHash(plan.sha256)}\``;
  const recorded = plan.recorded
    ? `\`${shortHash(plan.recorded.sha256)}\`${plan.recorded.commit ? ` (commit \`${plan.recorded.commit.slice(0, 7)}\`)` : ''}`
    : 'none';
  if (plan.outcome === 'failed')
    return `❌ Funding settings ${now} NOT recorded: ${plan.error ?? ''}`;
  if (plan.outcome === 'recorded' && plan.action === 'exists') {
    return `Funding settings ${now} unchanged; recorded again on the bank with this commit, which the Keymaster now runs.`;
  }
  if (plan.outcome === 'recorded') {
    return `💰 Funding settings ${now} recorded on the bank (was ${recorded}): the Keymaster pays with them from now on.`;
  }
  if (plan.action === 'exists') {
    return `Funding settings unchanged: ${now} is recorded on the bank.`;
  }
  return `💰 **Funding settings change**: ${now} replaces ${recorded}. Until this is applied, the Keymaster keeps paying the recorded settings.`;
}

function baselineNote(plan: FundingJson): string | undefined {
  if (plan.action === 'exists' || plan.outcome === 'recorded') return undefined;
  if (plan.baseline === 'none') return 'Nothing was recorded before: every setting is listed.';
  if (plan.baseline === 'unavailable') {
    return 'The recorded settings could not be read back (their commit is not in this checkout, or an older version of the toolkit hashed them differently): every setting is listed.';
  }
  return undefined;
}

export function renderFundingMarkdown(plan: FundingJson): string {
  const parts = [fundingHeadline(plan)];
  const note = baselineNote(plan);
  if (note) parts.push(note);
  if (plan.changes.length > 0 && plan.outcome !== 'recorded') {
    parts.push(renderMarkdownTable(fundingChangeTable(plan.changes)));
  }
  return parts.join('\n\n');
}

export function renderFundingConsole(plan: FundingJson): string {
  const parts = [fundingHeadline(plan).replace(/[`*]/g, '')];
  const note = baselineNote(plan);
  if (note) parts.push(note);
  if (plan.changes.length > 0 && plan.outcome !== 'recorded') {
    parts.push(renderConsoleTable(fundingChangeTable(plan.changes)));
  }
  return parts.join('\n\n');
}
