import type { ApprovedStatus, PendingChange } from '../plan/funding/funding.js';

/**
 * `keymaster approved` as people and workflows read it: the approved commit, settings hash and
 * time; whether this checkout's settings are those; the change waiting for approval.
 */

/** Whole hours and minutes, e.g. `3h 05m` (days past 48 hours: `4d 2h`). */
export function formatAge(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return `${Math.floor(hours / 24)}d ${hours % 24}h`;
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function pendingLine(pending: PendingChange): string {
  return `a funding change awaits approval since commit ${pending.commit.slice(0, 12)} (${pending.committedAt}, ${formatAge(pending.ageSeconds)} ago): the Keymaster keeps paying the approved settings until the apply workflow's production job is approved`;
}

/** The facts, one per line (the console form; markdown wraps each in a list item). */
function lines(status: ApprovedStatus): string[] {
  const env = status.environment;
  if (status.bank === 'missing') return [`${env}: the bank does not exist yet`];
  const record = status.record;
  if (!record) return [`${env}: the bank records no approved funding settings`];
  const out = [
    `approved commit: ${record.commit ?? '(none recorded)'}`,
    `settings sha256: ${record.sha256}`,
    `recorded at: ${record.recordedAt ?? '(unknown: recorded before 0.2)'}`,
    status.checkout.approved
      ? "this checkout's settings: the approved ones"
      : `this checkout's settings: ${status.checkout.sha256.slice(0, 12)}, NOT the approved ones`,
  ];
  if (status.onHistory === false) out.push('the approved commit is NOT on this checkout’s history');
  if (status.pending) out.push(pendingLine(status.pending));
  return out;
}

export function renderApprovedConsole(status: ApprovedStatus): string {
  return [`Approved funding — ${status.environment}`, ...lines(status)].join('\n');
}

export function renderApprovedMarkdown(status: ApprovedStatus): string {
  return [
    `### Approved funding — ${status.environment}`,
    '',
    ...lines(status).map((l) => `- ${l.replace(/\b([0-9a-f]{12,64})\b/g, '`$1`')}`),
  ].join('\n');
}

export function approvedJson(status: ApprovedStatus): string {
  return JSON.stringify(status, null, 2);
}
