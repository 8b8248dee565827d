import { createHash } from 'node:crypto';
import type { IamPlanJson, KeysPlanJson } from './plan-json.js';

/**
 * What a scheduled plan of an environment found, in four kinds a reader acts on differently:
 * privilege or settings changed by hand (`drift`), keys that cannot be used (`broken`), keys and
 * resources nothing uses any more (`leftover`), and changes merged on main that were never
 * applied (`not-applied`). Pure: plan JSON in, findings out.
 */

export type FindingKind = 'drift' | 'broken' | 'leftover' | 'not-applied';

export interface Finding {
  kind: FindingKind;
  /** What (an alias, a policy, the funding settings). */
  subject: string;
  /** Why, as the plan says it. */
  reason: string;
}

export interface EnvironmentPlan {
  keys?: KeysPlanJson;
  iam?: IamPlanJson;
  bucket?: IamPlanJson;
}

const KIND_ORDER: FindingKind[] = ['drift', 'broken', 'leftover', 'not-applied'];

export const FINDING_HEADINGS: Record<FindingKind, string> = {
  drift: 'Changed by hand (drift)',
  broken: 'Broken',
  leftover: 'Leftover and orphaned',
  'not-applied': 'Merged on main, not applied',
};

function keyFindings(keys: KeysPlanJson): Finding[] {
  const out: Finding[] = [];
  for (const row of keys.keys) {
    const reason = row.reason ?? row.status;
    if (row.status === 'broken') out.push({ kind: 'broken', subject: `key ${row.alias}`, reason });
    else if (row.status === 'leftover')
      out.push({ kind: 'leftover', subject: `key ${row.keyId} (${row.alias})`, reason });
    else if (row.status === 'create' || row.status === 'adopt')
      out.push({
        kind: 'not-applied',
        subject: `key ${row.alias}`,
        reason: `${row.status}: ${reason}`,
      });
  }
  const funding = keys.funding;
  if (funding?.action === 'record') {
    const recorded = funding.recorded
      ? `the bank records ${funding.recorded.sha256.slice(0, 12)}${funding.recorded.commit ? ` (commit ${funding.recorded.commit.slice(0, 7)})` : ''}`
      : 'the bank records no settings';
    const changed = funding.changes.map((c) => c.setting).slice(0, 10);
    out.push({
      kind: 'not-applied',
      subject: 'funding settings',
      reason: `main's settings are ${funding.sha256.slice(0, 12)}, ${recorded}${changed.length ? `; changed: ${changed.join(', ')}` : ''}`,
    });
  }
  return out;
}

function iamFindings(plan: IamPlanJson): Finding[] {
  const out: Finding[] = [];
  for (const row of plan.changes) {
    const subject = `${row.kind} ${row.id}`;
    if (row.action === 'drift') out.push({ kind: 'drift', subject, reason: row.reason });
    else if (row.action === 'broken') out.push({ kind: 'broken', subject, reason: row.reason });
    else if (row.action === 'remove') out.push({ kind: 'leftover', subject, reason: row.reason });
    else if (row.action !== 'exists') {
      out.push({ kind: 'not-applied', subject, reason: `${row.action}: ${row.reason}` });
    }
  }
  return out;
}

/** Every finding of the plan, in a stable order (kind, then subject). */
export function driftFindings(plan: EnvironmentPlan): Finding[] {
  const all = [
    ...(plan.keys ? keyFindings(plan.keys) : []),
    ...(plan.iam ? iamFindings(plan.iam) : []),
    ...(plan.bucket ? iamFindings(plan.bucket) : []),
  ];
  return all.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.subject.localeCompare(b.subject) ||
      a.reason.localeCompare(b.reason),
  );
}

/** The sha256 of the findings: the issue is rewritten (and people alerted) only when it changes. */
export function findingsFingerprint(findings: Finding[]): string {
  return createHash('sha256').update(JSON.stringify(findings)).digest('hex');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The tracking issue's body (without its marker): a table per kind and what to do. */
export function renderDriftIssue(
  environment: string,
  findings: Finding[],
  runbook: string,
  limit = 60_000,
): string {
  const lines = [
    `<!-- nomad-agent-ops:findings:${findingsFingerprint(findings)} -->`,
    `The scheduled plan of **${environment}** (read-only plan role) found ${findings.length} thing(s) that differ from main. This issue is updated when the findings change and closed when ${environment} is clean.`,
    '',
  ];
  for (const kind of KIND_ORDER) {
    const rows = findings.filter((f) => f.kind === kind);
    if (rows.length === 0) continue;
    lines.push(
      `### ${FINDING_HEADINGS[kind]} (${rows.length})`,
      '',
      '| what | why |',
      '| --- | --- |',
    );
    for (const f of rows) lines.push(`| ${cell(f.subject)} | ${cell(f.reason)} |`);
    lines.push('');
  }
  lines.push(`What to do: ${runbook}`);
  const body = lines.join('\n');
  if (body.length <= limit) return body;
  return `${body.slice(0, limit - 200)}\n\n… cut at ${limit} characters: the drift workflow's job summary has every row.\n\nWhat to do: ${runbook}`;
}
