import { shortHash } from '../../inventory/canonical.js';
import { commentMarker, planHashMarker, type CommentKind } from './markers.js';

/**
 * The pull-request comment of one environment's plan (and, after merge, of what was applied).
 * Pure: sections in, markdown out, within GitHub's 65,536 characters: the longest sections are
 * cut first, at a line, with a note that links to the job summary holding the whole report.
 */

/** GitHub refuses comment bodies longer than this. */
export const COMMENT_LIMIT = 65_536;

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
  /**
   * When a cut text is not a comment: what limit it was cut to and where the whole plan is
   * (default: GitHub's comment limit, and the job summary).
   */
  cut?: { limit: string; whole: string };
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
  const where =
    input.cut?.whole ??
    (input.runUrl ? `the [job summary](${input.runUrl})` : "this run's job summary");
  const limit = input.cut?.limit ?? "GitHub's comment limit";
  const what = shown > 0 ? `${shown} of ${total} lines shown` : `${total} lines left out`;
  return `> ✂️ Cut to fit ${limit} (${what}). The whole section is in ${where}.`;
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
