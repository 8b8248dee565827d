import { decideApply, type GuardDecision } from './apply-guard.js';
import { hashablePlan, type EnvironmentPlans } from './plan-hash.js';
import { canonicalJson, shortHash } from '../inventory/canonical.js';
import type { ChangeRow, KeyRowJson, PlanFileJson } from './plan-json.js';

/**
 * The apply of an approved plan (a saved plan, as in Terraform): the plan read now, just before
 * the first write, must be the plan reviewers approved, row for row. Pure: the plans in, the
 * decision and the rows that moved out.
 */

/** What the apply says, and the runbook searches for, when AWS moved after the plan job. */
export const STATE_CHANGED = 'the state changed since approval: run the workflow again';

/** At most this many differing rows are listed; the count says how many more. */
const MAX_LINES = 20;

interface Row {
  id: string;
  what: string;
  content: string;
}

const keyRow = (r: KeyRowJson): Row => ({
  id: r.leftover ? `${r.alias} (extra key ${r.keyId})` : r.alias,
  what: r.leftover ? `${r.status} (${r.leftover})` : r.status,
  content: canonicalJson(r),
});

const changeRow = (r: ChangeRow): Row => ({
  id: `${r.kind} ${r.id}`,
  what: r.action,
  content: canonicalJson(r),
});

/** Rows grouped by id, in order (ids can repeat); compared position by position. */
function byId(rows: readonly Row[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const row of rows) out.set(row.id, [...(out.get(row.id) ?? []), row]);
  return out;
}

/** One line per row that is not the same in both lists. */
export function rowDifferences(
  part: string,
  approved: readonly Row[],
  current: readonly Row[],
): string[] {
  const before = byId(approved);
  const now = byId(current);
  const lines: string[] = [];
  for (const id of new Set([...before.keys(), ...now.keys()])) {
    const a = before.get(id) ?? [];
    const b = now.get(id) ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x && y && x.content === y.content) continue;
      if (!y) lines.push(`${part}: \`${id}\` was approved (${x!.what}) and is no longer planned`);
      else if (!x) lines.push(`${part}: \`${id}\` is now planned (${y.what}), not approved`);
      else if (x.what !== y.what)
        lines.push(`${part}: \`${id}\` approved ${x.what}, now ${y.what}`);
      else lines.push(`${part}: \`${id}\` ${y.what} in both, with other content now`);
    }
  }
  if (lines.length === 0 && canonicalJson(approved) !== canonicalJson(current)) {
    lines.push(`${part}: the same rows in another order`);
  }
  return lines;
}

/** Every row of every part (keys, funding, IAM, bucket) that differs, in report order. */
export function planDifferences(approved: EnvironmentPlans, current: EnvironmentPlans): string[] {
  const lines = [
    ...rowDifferences(
      'keys',
      (approved.keys?.keys ?? []).map(keyRow),
      (current.keys?.keys ?? []).map(keyRow),
    ),
  ];
  const funding = (p: EnvironmentPlans) =>
    hashablePlan(p).funding as Record<string, unknown> | null;
  const [fa, fb] = [funding(approved), funding(current)];
  if (canonicalJson(fa) !== canonicalJson(fb)) {
    for (const field of ['sha256', 'settings', 'recorded'] as const) {
      if (canonicalJson(fa?.[field] ?? null) === canonicalJson(fb?.[field] ?? null)) continue;
      lines.push(
        field === 'recorded'
          ? `funding: what the bank records is not what it recorded at approval (approved ${describeRecord(fa?.recorded)}, now ${describeRecord(fb?.recorded)})`
          : `funding: the ${field === 'sha256' ? 'settings hash' : 'settings'} differ from the approved ones`,
      );
    }
  }
  for (const part of ['iam', 'bucket'] as const) {
    lines.push(
      ...rowDifferences(
        part,
        (approved[part]?.changes ?? []).map(changeRow),
        (current[part]?.changes ?? []).map(changeRow),
      ),
    );
  }
  return lines;
}

function describeRecord(record: unknown): string {
  const sha = (record as { sha256?: unknown } | null | undefined)?.sha256;
  return typeof sha === 'string' ? shortHash(sha) : 'nothing';
}

export interface ApprovedDecision extends GuardDecision {
  /** The rows that moved since approval (empty when ok). */
  differences: string[];
}

/**
 * Whether the plan read now may be applied: the approved plan of this environment and commit,
 * hashing the same as the plan read now. When it does not, the message says the state changed,
 * that nothing was written, and which rows moved.
 */
export function decideApproved(input: {
  environment: string;
  current: EnvironmentPlans;
  approved: PlanFileJson | undefined;
  /** The commit this job checked out; the approved plan must be of it. */
  commit?: string | undefined;
}): ApprovedDecision {
  const { environment: env, approved, commit } = input;
  const planned = approved?.commit?.toLowerCase();
  if (approved && planned && commit && planned !== commit.toLowerCase()) {
    return {
      ok: false,
      differences: [],
      message: `${env}: refusing to apply: the approved plan is of commit ${planned.slice(0, 7)}, this job checked out ${commit.slice(0, 7)}; nothing was written. Run the apply workflow again.`,
    };
  }
  const decision = decideApply(input);
  if (decision.ok || decision.approvedHash === undefined) return { ...decision, differences: [] };
  const differences = planDifferences(approved!, input.current);
  const listed = differences.slice(0, MAX_LINES).map((l) => `- ${l}`);
  if (differences.length > MAX_LINES) listed.push(`- … and ${differences.length - MAX_LINES} more`);
  return {
    ...decision,
    differences,
    message:
      `${env}: ${STATE_CHANGED}. Nothing was written. The plan read now ` +
      `(${shortHash(decision.currentHash!)}) differs from the plan approved ` +
      `(${shortHash(decision.approvedHash)}) in:\n${listed.join('\n') || '- its content'}`,
  };
}
