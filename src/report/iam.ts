import { type ChangeAction, type ChangeDraft, countByAction } from '../plan/change.js';
import type { KeyAccessChange } from '../plan/keys/key-access.js';
import type { IamPlanJson, ChangeGroup, ChangeRow } from './plan-json.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from './table.js';

/**
 * The IAM and bucket plans as a review: a table of what changes, then each policy document
 * that changes as a line diff (or, for a new policy, the whole document). Works for the Change
 * lists of `runIam` and `runBucket` alike.
 */

/** The detail fields the report reads (both IamDetail and BucketDetail have them). */
interface ReviewDetail {
  arn?: string;
  diff?: string;
  document?: string;
  changes?: string[];
}

/** A planned change, or its row in the plan JSON (where an empty detail is left out). */
type ReviewChange = ChangeDraft<ReviewDetail | undefined> | ChangeDraft<unknown>;

const ORDER: ChangeAction[] = ['broken', 'drift', 'remove', 'update', 'adopt', 'create', 'exists'];

function detailOf(change: ReviewChange): ReviewDetail {
  return change.detail ?? {};
}

export interface IamReportOptions {
  title?: string;
  /** List unchanged resources in the table too (default: only counted). */
  showUnchanged?: boolean;
  /** Without `prune`, removals are listed as what prune would do. */
  prune?: boolean;
}

export function summaryLine(changes: readonly ReviewChange[]): string {
  const counts = countByAction(changes);
  const parts = ORDER.filter((a) => counts[a] > 0).map((a) => `${counts[a]} ${a}`);
  return parts.length === 0 ? 'nothing planned' : parts.join(', ');
}

export function iamTable(changes: readonly ReviewChange[], options: IamReportOptions = {}): Table {
  const rows = changes
    .filter((c) => options.showUnchanged || c.action !== 'exists')
    .map((c) => [
      !options.prune && c.action === 'remove'
        ? 'remove (with --prune)'
        : !options.prune && c.action === 'drift'
          ? 'drift (removed with --prune)'
          : c.action,
      c.kind,
      c.id,
      c.reason,
    ]);
  return { columns: ['Action', 'Kind', 'Resource', 'Why'], rows };
}

/** Documents to show: a diff for changed ones, the whole document for new ones. */
function documents(changes: readonly ReviewChange[]): Array<{ title: string; body: string }> {
  const out: Array<{ title: string; body: string }> = [];
  for (const c of changes) {
    const d = detailOf(c);
    if (d.diff) out.push({ title: `${c.action} ${c.kind} ${c.id}`, body: d.diff });
    else if (d.document && c.action === 'create') {
      out.push({
        title: `${c.action} ${c.kind} ${c.id}`,
        body: d.document
          .split('\n')
          .map((l) => `+ ${l}`)
          .join('\n'),
      });
    }
  }
  return out;
}

export function renderIamConsole(
  changes: readonly ReviewChange[],
  options: IamReportOptions = {},
): string {
  const lines: string[] = [];
  if (options.title) lines.push(options.title);
  lines.push(`Plan: ${summaryLine(changes)}`);
  const table = iamTable(changes, options);
  if (table.rows.length > 0) lines.push('', renderConsoleTable(table));
  for (const doc of documents(changes)) {
    lines.push('', `${doc.title}:`, doc.body.replace(/^/gm, '    '));
  }
  return lines.join('\n');
}

/** A code fence longer than any backtick run in `text`, so the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderIamMarkdown(
  changes: readonly ReviewChange[],
  options: IamReportOptions = {},
): string {
  const parts: string[] = [];
  if (options.title) parts.push(`### ${options.title}`);
  parts.push(`**Plan:** ${summaryLine(changes)}`);
  const table = iamTable(changes, options);
  if (table.rows.length > 0) parts.push(renderMarkdownTable(table));
  for (const doc of documents(changes)) {
    const f = fence(doc.body);
    parts.push(
      `<details><summary>${escapeHtml(doc.title)}</summary>\n\n${f}diff\n${doc.body}\n${f}\n\n</details>`,
    );
  }
  return parts.join('\n\n');
}

/** The GitHub OIDC provider and the workflow roles, shown apart from the agents' IAM. */
export function isOidcChange(change: ReviewChange): boolean {
  if (/-operator-/.test(change.id)) return false; // a contracted operator's role: agents' IAM
  return (
    change.kind === 'iam-oidc-provider' ||
    change.kind === 'iam-role' ||
    change.id.startsWith('nomad-ops-') ||
    change.id.includes(' nomad-ops-')
  );
}

/** The part of the report a change belongs to: the bucket, the OIDC provider and roles, or IAM. */
export function changeGroup(change: ReviewChange): ChangeGroup {
  if (change.kind.startsWith('s3-')) return 'bucket';
  return isOidcChange(change) ? 'github-oidc' : 'iam';
}

/** A detail with something in it (an empty one is left out of the plan JSON, as before it was required). */
const hasDetail = (detail: unknown): boolean =>
  detail !== undefined &&
  !(typeof detail === 'object' && detail && Object.keys(detail).length === 0);

/** A change as it travels in the plan JSON: with its group. */
export function changeRow(change: ReviewChange): ChangeRow {
  return {
    kind: change.kind,
    id: change.id,
    action: change.action,
    reason: change.reason,
    group: changeGroup(change),
    ...(hasDetail(change.detail) ? { detail: change.detail } : {}),
  };
}

/** The `plan-json` of `iam` and `bucket` (plan or apply): every change row carries its group. */
export function iamPlanJson(result: {
  changes: readonly ReviewChange[];
  ok: boolean;
  after?: readonly ReviewChange[];
  keyAccess?: readonly KeyAccessChange[];
}): IamPlanJson {
  return {
    ok: result.ok,
    summary: countByAction(result.changes),
    changes: result.changes.map(changeRow),
    ...(result.after ? { after: result.after.map(changeRow) } : {}),
    ...(result.keyAccess ? { keyAccess: [...result.keyAccess] } : {}),
  };
}

export function iamJson(result: Parameters<typeof iamPlanJson>[0]): string {
  return JSON.stringify(iamPlanJson(result), null, 2);
}
