import type { KeyRow } from '../plan/keys-types.js';
import type { KeysJson } from './keys.js';
import type { KeyAccessChange } from '../plan/key-access.js';
import { renderAccessMarkdown, summaryLine as changesSummary } from './access.js';
import { renderKeyAccessMarkdown } from './key-access.js';
import { attestationTable, keyTable, leftoversMarkdown, needsAttentionMarkdown } from './keys.js';
import { renderMarkdownTable } from './table.js';
import { shortHash } from '../inventory/canonical.js';
import { renderFundingMarkdown, type FundingJson } from './funding.js';

/**
 * The pull-request comment of one environment's plan (and, after merge, of what was applied).
 * Pure: plans in, markdown out. One comment per environment is found again by its marker; the
 * plan hash sits in a second marker so the apply guard can read what was approved.
 */

/** GitHub refuses comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;

export type CommentKind = 'plan' | 'applied';

const MARKER_PREFIX = 'nomad-agent-ops';

export function commentMarker(kind: CommentKind, environment: string): string {
  return `<!-- ${MARKER_PREFIX}:${kind}:${environment} -->`;
}

export function planHashMarker(environment: string, hash: string): string {
  return `<!-- ${MARKER_PREFIX}:plan-hash:${environment}:${hash} -->`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The plan hash a comment carries for `environment`, if any. */
export function readPlanHash(body: string, environment: string): string | undefined {
  const pattern = new RegExp(
    `<!-- ${MARKER_PREFIX}:plan-hash:${escapeRegExp(environment)}:([0-9a-f]{6,64}) -->`,
  );
  return pattern.exec(body)?.[1];
}

/** One titled part of the comment; the longest are cut first when the comment is too long. */
export interface Section {
  title: string;
  body: string;
}

export interface CommentInput {
  kind: CommentKind;
  environment: string;
  /** Omitted when no plan was given that can be hashed (e.g. an offline plan). */
  planHash?: string;
  /** Link to this run, whose job summary holds the whole report. */
  runUrl?: string;
  /** Short commit the plan was made from. */
  commit?: string;
  /** Lines under the heading (e.g. "offline plan: no AWS credentials"). */
  notes?: string[];
  sections: Section[];
}

function header(input: CommentInput): string[] {
  const lines = [commentMarker(input.kind, input.environment)];
  if (input.kind === 'plan' && input.planHash) {
    lines.push(planHashMarker(input.environment, input.planHash));
  }
  const verb = input.kind === 'plan' ? 'plan' : 'applied';
  lines.push(`## nomad-ops ${verb} — \`${input.environment}\``);
  const facts: string[] = [];
  if (input.planHash) facts.push(`plan \`${shortHash(input.planHash)}\``);
  if (input.commit) facts.push(`commit \`${input.commit}\``);
  if (input.runUrl) facts.push(`[run](${input.runUrl})`);
  if (facts.length) lines.push('', facts.join(' · '));
  for (const note of input.notes ?? []) lines.push('', note);
  return lines;
}

function footer(input: CommentInput): string {
  if (input.kind !== 'plan' || !input.planHash) return '';
  return (
    `_This comment is a preview. After merge, the apply workflow plans again at the merged ` +
    `commit and shows that plan in its job summary; reviewers approve it there, and the gated ` +
    `job applies only a plan whose sha256 equals the one approved._`
  );
}

function renderSection(section: Section): string {
  return `### ${section.title}\n\n${section.body}`;
}

function assemble(input: CommentInput, sections: Section[]): string {
  const parts = [header(input).join('\n'), ...sections.map(renderSection)];
  const end = footer(input);
  if (end) parts.push(end);
  return parts.join('\n\n') + '\n';
}

/** Everything, uncut: the job summary. */
export function renderReport(input: CommentInput): string {
  return assemble(input, input.sections);
}

/** GitHub counts characters; bytes are never fewer, so a body within the limit in bytes fits. */
export function measure(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function cutNote(input: CommentInput, shown: number, total: number): string {
  const where = input.runUrl ? `the [job summary](${input.runUrl})` : "this run's job summary";
  const what = shown > 0 ? `${shown} of ${total} lines shown` : `${total} lines left out`;
  return `> ✂️ Cut to fit GitHub's comment limit (${what}). The whole section is in ${where}.`;
}

/**
 * The first lines of `body` within `budget` bytes, with any open code fence or `<details>`
 * closed so the rest of the comment still renders.
 */
function truncateMarkdown(body: string, budget: number): { text: string; shown: number } {
  const lines = body.split('\n');
  const kept: string[] = [];
  let size = 0;
  let fence: string | undefined;
  let openDetails = 0;
  // Room for the closers this function may add.
  const closers = 64;
  for (const line of lines) {
    const lineSize = measure(line) + 1;
    if (size + lineSize + closers > budget) break;
    kept.push(line);
    size += lineSize;
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fenceMatch?.[1]) {
      if (fence === undefined) fence = fenceMatch[1];
      else if (fenceMatch[1].startsWith(fence)) fence = undefined;
    } else if (fence === undefined) {
      openDetails += (line.match(/<details>/g) ?? []).length;
      openDetails -= (line.match(/<\/details>/g) ?? []).length;
    }
  }
  const shown = kept.length;
  if (fence !== undefined) kept.push(fence);
  for (let i = 0; i < openDetails; i++) kept.push('', '</details>');
  return { text: kept.join('\n'), shown };
}

/**
 * The largest section size `cap` such that, with every section longer than `cap` cut to it,
 * the comment fits in `room` bytes: the longest sections give up their length first and
 * shorter ones stay whole.
 */
export function sectionCap(sizes: readonly number[], room: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let used = 0;
  for (let i = 0; i < sorted.length; i++) {
    const rest = sorted.length - i;
    const cap = Math.floor((room - used) / rest);
    if (sorted[i]! > cap) return Math.max(0, cap);
    used += sorted[i]!;
  }
  return Infinity;
}

/**
 * The comment body, within `limit` bytes: the longest sections are cut (at a line, with a note
 * and the link to the job summary) to a common size until it fits; shorter ones stay whole.
 */
export function renderComment(input: CommentInput, limit = COMMENT_LIMIT): string {
  const full = assemble(input, input.sections);
  if (measure(full) <= limit) return full;
  const sizes = input.sections.map((s) => measure(s.body));
  const frame = measure(full) - sizes.reduce((a, b) => a + b, 0);
  // Each cut section also carries a note; reserve one per section.
  const noteRoom = measure(cutNote(input, 99_999, 99_999)) + 4;
  const cap = sectionCap(sizes, limit - frame - noteRoom * input.sections.length);
  const sections = input.sections.map((section, i) => {
    if (sizes[i]! <= cap) return section;
    const total = section.body.split('\n').length;
    const { text, shown } = truncateMarkdown(section.body, cap);
    const body =
      shown > 0 ? `${text}\n\n${cutNote(input, shown, total)}` : cutNote(input, 0, total);
    return { ...section, body };
  });
  let body = assemble(input, sections);
  if (measure(body) > limit) {
    // Only a header longer than the limit could get here; never send what GitHub would refuse.
    body = truncateMarkdown(body, limit - noteRoom).text + '\n\n' + cutNote(input, 0, 0) + '\n';
  }
  return body;
}

// ---- Sections from the other actions' outputs --------------------------------------------------

/** The outputs of the plan actions for one environment, as given to the report action. */
export interface ReportPlans {
  keys?: KeysJson;
  iam?: { changes?: unknown[]; keyAccess?: unknown[] };
  bucket?: { changes?: unknown[] };
  keymaster?: unknown;
  /** Markdown used for a section whose JSON was not given. */
  markdown?: Partial<Record<'keys' | 'iam' | 'bucket' | 'keymaster', string>>;
  /** `nomad-ops plan --offline` output, when no credentials could be had. */
  offline?: string;
}

type ChangeLike = { kind: string; id: string; action: string; reason: string; detail?: unknown };

function isChange(value: unknown): value is ChangeLike {
  const v = value as Partial<ChangeLike> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.kind === 'string' &&
    typeof v.id === 'string' &&
    typeof v.action === 'string'
  );
}

const NEW_STATUSES = new Set(['create', 'adopt', 'created', 'adopted']);
/** Above this many keys, the new ones are also listed before the table. */
const LONG_TABLE = 50;

function keyRows(keys: KeysJson): KeyRow[] {
  return keys.keys.map((k) => ({ ...k, reason: k.reason ?? '' }) as KeyRow);
}

function keysSections(keys: KeysJson): Section[] {
  const rows = keyRows(keys);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no keys';
  const parts = [`${keys.ok ? '✅' : '❌'} ${summary} · 🆕 = created or adopted by this plan`];
  const attention = needsAttentionMarkdown(rows);
  if (attention) parts.push(attention);
  const leftovers = leftoversMarkdown(rows);
  if (leftovers) parts.push(leftovers);
  const fresh = rows.filter((r) => NEW_STATUSES.has(r.status));
  if (rows.length > LONG_TABLE && fresh.length > 0) {
    // A long table may be cut in the comment; the keys this plan makes must still be seen.
    const shown = fresh.slice(0, LONG_TABLE).map((r) => `\`${r.alias}\``);
    const more = fresh.length > shown.length ? `, and ${fresh.length - shown.length} more` : '';
    parts.push(`**🆕 ${fresh.length} new:** ${shown.join(', ')}${more}`);
  }
  parts.push(renderMarkdownTable(keyTable(rows, { markNew: '🆕' })));
  const sections: Section[] = [{ title: 'Keys and addresses', body: parts.join('\n\n') }];
  const attestation = attestationTable(rows);
  if (attestation.rows.length) {
    sections.push({ title: 'Attestation addresses', body: renderMarkdownTable(attestation) });
  }
  return sections;
}

/** The GitHub OIDC provider and the workflow roles, shown apart from the agents' IAM. */
export function isOidcChange(change: ChangeLike): boolean {
  if (/-operator-/.test(change.id)) return false; // a contracted operator's role: agents' IAM
  return (
    change.kind === 'iam-oidc-provider' ||
    change.kind === 'iam-role' ||
    change.id.startsWith('nomad-ops-') ||
    change.id.includes(' nomad-ops-')
  );
}

function changesSection(title: string, changes: ChangeLike[]): Section {
  return {
    title,
    body: renderAccessMarkdown(changes as Parameters<typeof renderAccessMarkdown>[0]),
  };
}

/** A cell of a Keymaster row: amounts may come as strings, numbers or `{known, wei}`. */
function amountCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    const v = value as { known?: boolean; wei?: unknown; reason?: unknown };
    if (v.known === false) return `unknown${v.reason ? `: ${String(v.reason)}` : ''}`;
    if (v.wei !== undefined) return `${String(v.wei)} wei`;
    return JSON.stringify(value);
  }
  // The Keymaster's JSON carries wei as decimal strings (bigints do not survive JSON).
  return typeof value === 'string' && /^\d+$/.test(value) ? `${value} wei` : String(value);
}

const listCell = (value: unknown) => (Array.isArray(value) ? value.join(', ') : amountCell(value));

/**
 * Wallets below `lower` and the top-ups a Keymaster run would make, from the Keymaster's JSON
 * (its `decisions`: healthy wallets and the bank itself are left out).
 */
function keymasterSection(json: unknown, markdown: string | undefined): Section | undefined {
  const decisions = (json as { decisions?: unknown } | undefined)?.decisions;
  if (!Array.isArray(decisions)) {
    return markdown ? { title: 'Keymaster', body: markdown } : undefined;
  }
  const wanting = decisions.filter((d): d is Record<string, unknown> => {
    const reason = (d as { reason?: unknown } | null)?.reason;
    return typeof d === 'object' && d !== null && reason !== 'healthy' && reason !== 'is-bank';
  });
  const topUps = wanting.filter((d) => d.reason === 'funded').length;
  const lines = [
    `${wanting.length} wallet(s) below \`lower\`; a Keymaster run would make ${topUps} top-up(s).`,
  ];
  if (wanting.length > 0) {
    lines.push(
      renderMarkdownTable({
        columns: ['Network', 'Role', 'Address', 'Balance', 'Lower', 'Target', 'Top-up', 'Decision'],
        rows: wanting.map((d) => [
          String(d.network ?? ''),
          listCell(d.roles),
          String(d.address ?? ''),
          amountCell(d.balance),
          amountCell(d.lower),
          amountCell(d.target),
          d.reason === 'funded' ? amountCell(d.amount) : '',
          [d.reason, d.detail].filter(Boolean).map(String).join(': '),
        ]),
      }),
    );
  }
  if (markdown)
    lines.push(`<details><summary>Keymaster check</summary>\n\n${markdown}\n\n</details>`);
  return { title: 'Keymaster: wallets below lower', body: lines.join('\n\n') };
}

/** Who can sign with which key, by operator, from the IAM plan's JSON (`keyAccess`). */
function keyAccessSection(value: unknown[] | undefined): Section | undefined {
  if (!Array.isArray(value)) return undefined;
  const changes = value.filter(
    (c): c is KeyAccessChange =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as KeyAccessChange).party === 'string' &&
      Array.isArray((c as KeyAccessChange).granted) &&
      Array.isArray((c as KeyAccessChange).revoked) &&
      Array.isArray((c as KeyAccessChange).now) &&
      typeof (c as KeyAccessChange).uploadsProofs === 'object',
  );
  if (changes.length === 0) return undefined;
  return {
    title: 'Who can sign, by operator',
    body: renderKeyAccessMarkdown(changes).replace(/^#### .*\n\n/, ''),
  };
}

/** The comment's sections, in reading order, from whatever plans were given. */
export function reportSections(plans: ReportPlans): Section[] {
  const md = plans.markdown ?? {};
  const sections: Section[] = [];
  if (plans.keys) sections.push(...keysSections(plans.keys));
  else if (md.keys) sections.push({ title: 'Keys and addresses', body: md.keys });

  const funding = (plans.keys as { funding?: FundingJson } | undefined)?.funding;
  if (funding) sections.push({ title: 'Funding settings', body: renderFundingMarkdown(funding) });

  if (plans.iam) {
    const changes = (plans.iam.changes ?? []).filter(isChange);
    sections.push(
      changesSection(
        'IAM',
        changes.filter((c) => !isOidcChange(c)),
      ),
    );
    const access = keyAccessSection(plans.iam.keyAccess);
    if (access) sections.push(access);
    const oidc = changes.filter(isOidcChange);
    if (oidc.length) sections.push(changesSection('GitHub OIDC provider and roles', oidc));
  } else if (md.iam) sections.push({ title: 'IAM', body: md.iam });

  if (plans.bucket) {
    sections.push(changesSection('Proofs bucket', (plans.bucket.changes ?? []).filter(isChange)));
  } else if (md.bucket) sections.push({ title: 'Proofs bucket', body: md.bucket });

  const keymaster = keymasterSection(plans.keymaster, md.keymaster);
  if (keymaster) sections.push(keymaster);

  if (plans.offline) {
    sections.push({
      title: 'Offline plan (inventory only)',
      body: '```text\n' + plans.offline.replace(/```/g, "'''") + '\n```',
    });
  }
  return sections;
}

/** One line over all sections for the log, e.g. `keys: 2 create · IAM: 1 update`. */
export function planSummary(plans: ReportPlans): string {
  const parts: string[] = [];
  if (plans.keys) {
    const created = plans.keys.keys.filter((k) => k.status === 'create' || k.status === 'adopt');
    parts.push(`keys: ${plans.keys.keys.length} (${created.length} to create or adopt)`);
  }
  if (plans.iam)
    parts.push(`IAM: ${changesSummary((plans.iam.changes ?? []).filter(isChange) as never)}`);
  if (plans.bucket) {
    parts.push(`bucket: ${changesSummary((plans.bucket.changes ?? []).filter(isChange) as never)}`);
  }
  return parts.join(' · ') || 'no plan given';
}
