import { renderIamMarkdown, summaryLine as changesSummary } from '../iam.js';
import type { Section } from './render.js';
import { renderFundingMarkdown } from '../funding.js';
import { renderKeyAccessMarkdown } from '../key-access.js';
import {
  attestationTable,
  keyTable,
  leftoversMarkdown,
  needsAttentionMarkdown,
  orphanedMarkdown,
} from '../keys.js';
import type {
  IamPlanJson,
  AmountJson,
  ChangeGroup,
  ChangeRow,
  KeymasterPlanJson,
  KeysPlanJson,
} from '../plan-json.js';
import { renderMarkdownTable } from '../table.js';
import { KEY_STATUS } from '../../plan/keys/types.js';

/**
 * The report's sections, in reading order, from the plans the other actions output (parsed with
 * the schemas of `plan-json.ts`). Pure: plans in, sections out.
 */

/** The outputs of the plan actions for one environment, as given to the report action. */
export interface ReportPlans {
  keys?: KeysPlanJson | undefined;
  iam?: IamPlanJson | undefined;
  bucket?: IamPlanJson | undefined;
  keymaster?: KeymasterPlanJson | undefined;
  /** Markdown used for a section whose JSON was not given. */
  markdown?: Partial<Record<'keys' | 'iam' | 'bucket' | 'keymaster', string>>;
  /** `nomad-ops plan --offline` output, when no credentials could be had. */
  offline?: string | undefined;
}

/** Above this many keys, the new ones are also listed before the table. */
const LONG_TABLE = 50;

function keysSections(keys: KeysPlanJson): Section[] {
  const rows = keys.keys;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no keys';
  const parts = [`${keys.ok ? '✅' : '❌'} ${summary} · 🆕 = created or adopted by this plan`];
  const attention = needsAttentionMarkdown(rows);
  if (attention) parts.push(attention);
  const leftovers = leftoversMarkdown(rows);
  if (leftovers) parts.push(leftovers);
  const orphaned = orphanedMarkdown(rows);
  if (orphaned) parts.push(orphaned);
  const fresh = rows.filter((r) => KEY_STATUS[r.status].isNew);
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

const inGroup = (changes: readonly ChangeRow[], group: ChangeGroup) =>
  changes.filter((c) => c.group === group);

function changesSection(title: string, changes: readonly ChangeRow[]): Section {
  return { title, body: renderIamMarkdown(changes) };
}

/** A cell of a Keymaster row: amounts come as wei strings, numbers or `{known, wei}`. */
function amountCell(value: AmountJson | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'object') {
    if (value.known === false) return `unknown${value.reason ? `: ${value.reason}` : ''}`;
    if (value.wei !== undefined) return `${value.wei} wei`;
    return JSON.stringify(value);
  }
  // The Keymaster's JSON carries wei as decimal strings (bigints do not survive JSON).
  return typeof value === 'string' && /^\d+$/.test(value) ? `${value} wei` : String(value);
}

/**
 * Wallets below `lower` and the top-ups a Keymaster run would make, from the Keymaster's JSON
 * (its `decisions`: healthy wallets and the bank itself are left out).
 */
function keymasterSection(
  json: KeymasterPlanJson | undefined,
  markdown: string | undefined,
): Section | undefined {
  const decisions = json?.decisions;
  if (!decisions) return markdown ? { title: 'Keymaster', body: markdown } : undefined;
  const wanting = decisions.filter((d) => d.reason !== 'healthy' && d.reason !== 'is-bank');
  const topUps = wanting.filter((d) => d.reason === 'funded').length;
  const lines = [
    `${wanting.length} wallet(s) below \`lower\`; a Keymaster run would make ${topUps} top-up(s).`,
  ];
  if (wanting.length > 0) {
    lines.push(
      renderMarkdownTable({
        columns: ['Network', 'Role', 'Address', 'Balance', 'Lower', 'Target', 'Top-up', 'Decision'],
        rows: wanting.map((d) => [
          d.network ?? '',
          (d.roles ?? []).join(', '),
          d.address ?? '',
          amountCell(d.balance),
          amountCell(d.lower),
          amountCell(d.target),
          d.reason === 'funded' ? amountCell(d.amount) : '',
          [d.reason, d.detail].filter(Boolean).join(': '),
        ]),
      }),
    );
  }
  if (markdown)
    lines.push(`<details><summary>Keymaster check</summary>\n\n${markdown}\n\n</details>`);
  return { title: 'Keymaster: wallets below lower', body: lines.join('\n\n') };
}

/** Who can sign with which key, by operator, from the IAM plan's JSON (`keyAccess`). */
function keyAccessSection(changes: IamPlanJson['keyAccess']): Section | undefined {
  if (!changes || changes.length === 0) return undefined;
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

  const funding = plans.keys?.funding;
  if (funding) sections.push({ title: 'Funding settings', body: renderFundingMarkdown(funding) });

  if (plans.iam) {
    sections.push(changesSection('IAM', inGroup(plans.iam.changes, 'iam')));
    const access = keyAccessSection(plans.iam.keyAccess);
    if (access) sections.push(access);
    const oidc = inGroup(plans.iam.changes, 'github-oidc');
    if (oidc.length) sections.push(changesSection('GitHub OIDC provider and roles', oidc));
  } else if (md.iam) sections.push({ title: 'IAM', body: md.iam });

  if (plans.bucket) {
    sections.push(changesSection('Proofs bucket', plans.bucket.changes));
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
  if (plans.iam) parts.push(`IAM: ${changesSummary(plans.iam.changes)}`);
  if (plans.bucket) parts.push(`bucket: ${changesSummary(plans.bucket.changes)}`);
  return parts.join(' · ') || 'no plan given';
}
