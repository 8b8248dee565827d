import { KEY_STATUS, KEY_STATUSES, type KeyRow, type KeyStatus } from '../plan/keys/types.js';
import type { FundingPlan } from '../plan/funding/funding.js';
import { renderFundingConsole, renderFundingMarkdown } from './funding.js';
import type { KeysPlanJson } from './plan-json.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from './table.js';

/** Nomad's provisioning script printed these six columns; operators know them. */
export const KEY_TABLE_COLUMNS = [
  'Alias',
  'Region',
  'Key ID',
  'ARN',
  'Description',
  'Ethereum address',
] as const;

const NEW = { has: (s: KeyStatus) => KEY_STATUS[s].isNew };
const PROBLEM = { has: (s: KeyStatus) => KEY_STATUS[s].problem };
const LEFTOVER = { has: (s: KeyStatus) => KEY_STATUS[s].leftover };
/** Keys whose alias left the file (issue 26 item 4): listed apart, with their wallets' balances. */
const ORPHANED = { has: (s: KeyStatus) => KEY_STATUS[s].orphaned };

/** The columns of a key row the tables show (a plan's rows, or the rows of its JSON). */
type TableRow = Pick<
  KeyRow,
  'alias' | 'region' | 'keyId' | 'arn' | 'description' | 'address' | 'status'
>;
type AttestationRow = Pick<KeyRow, 'purpose' | 'network' | 'keyName' | 'address' | 'status'>;

function addressCell(row: TableRow): string {
  if (row.address) return row.address;
  if (row.status === 'create') return '(made on apply)';
  if (PROBLEM.has(row.status)) return `(${row.status}: see below)`;
  if (LEFTOVER.has(row.status) || ORPHANED.has(row.status)) return `(${row.status}: see below)`;
  return '';
}

/** The key and address table; `markNew` suffixes the alias of keys this run creates or adopts. */
export function keyTable(rows: readonly TableRow[], options: { markNew?: string } = {}): Table {
  return {
    columns: [...KEY_TABLE_COLUMNS],
    rows: rows.map((r) => [
      options.markNew && NEW.has(r.status) ? `${r.alias} ${options.markNew}` : r.alias,
      r.region,
      r.keyId,
      r.arn,
      r.description,
      addressCell(r),
    ]),
  };
}

export interface AttestationAddresses {
  network: string;
  updater: string;
  watcher: string;
}

/** Per network, the updater and watcher attestation addresses the contract deployment needs. */
export function attestationAddresses(
  rows: readonly (Omit<AttestationRow, 'purpose'> & { purpose: string })[],
): AttestationAddresses[] {
  const byNetwork = new Map<string, AttestationAddresses>();
  for (const r of rows) {
    if (r.purpose !== 'attestation' || !r.network || LEFTOVER.has(r.status)) continue;
    if (ORPHANED.has(r.status)) continue;
    const entry = byNetwork.get(r.network) ?? { network: r.network, updater: '', watcher: '' };
    if (r.keyName === 'updater-attestation') entry.updater = r.address;
    if (r.keyName === 'watcher-attestation') entry.watcher = r.address;
    byNetwork.set(r.network, entry);
  }
  return [...byNetwork.values()];
}

export function attestationTable(
  rows: readonly (Omit<AttestationRow, 'purpose'> & { purpose: string })[],
): Table {
  const pending = '(made on apply)';
  return {
    columns: ['Network', 'Updater attestation address', 'Watcher attestation address'],
    rows: attestationAddresses(rows).map((a) => [
      a.network,
      a.updater || pending,
      a.watcher || pending,
    ]),
  };
}

function summaryLine(rows: readonly KeyRow[]): string {
  const counts = new Map<KeyStatus, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return KEY_STATUSES.filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
}

function problems(rows: readonly KeyRow[]): KeyRow[] {
  return rows.filter((r) => PROBLEM.has(r.status));
}

/** The broken and failed keys as a markdown list with what to do, or undefined when none. */
export function needsAttentionMarkdown(
  rows: ReadonlyArray<{ alias: string; status: KeyStatus; reason?: string | undefined }>,
): string | undefined {
  const bad = rows.filter((r) => PROBLEM.has(r.status));
  if (bad.length === 0) return undefined;
  return (
    '**Needs attention** (not used, not changed):\n' +
    bad
      .map((r) => `- \`${r.alias}\` (${r.status}): ${(r.reason ?? '').replace(/\r?\n/g, ' ')}`)
      .join('\n')
  );
}

/**
 * The keys the toolkit made for the environment that no alias points at, each with what apply
 * does (or did) about it; undefined when there are none. Shown by every plan (DESIGN §3).
 */
export function leftoversMarkdown(
  rows: ReadonlyArray<{
    alias: string;
    keyId: string;
    status: KeyStatus;
    reason?: string | undefined;
  }>,
): string | undefined {
  const left = rows.filter((r) => LEFTOVER.has(r.status));
  if (left.length === 0) return undefined;
  return (
    '**Leftover keys** (made by the toolkit, no alias points at them):\n' +
    left
      .map(
        (r) =>
          `- \`${r.keyId}\` for \`${r.alias}\` (${r.status}): ${(r.reason ?? '').replace(/\r?\n/g, ' ')}`,
      )
      .join('\n')
  );
}

/**
 * The keys whose network or key name left the file, each with its wallet's balance and what
 * `--prune` does about it; undefined when there are none. Shown by every plan (issue 26).
 */
export function orphanedMarkdown(
  rows: ReadonlyArray<{
    alias: string;
    keyId: string;
    status: KeyStatus;
    reason?: string | undefined;
  }>,
): string | undefined {
  const left = rows.filter((r) => ORPHANED.has(r.status));
  if (left.length === 0) return undefined;
  return (
    '**Orphaned keys** (their network or key name is no longer in the file):\n' +
    left
      .map((r) => `- \`${r.keyId}\` for \`${r.alias}\`: ${(r.reason ?? '').replace(/\r?\n/g, ' ')}`)
      .join('\n')
  );
}

const rotationRows = (rows: readonly KeyRow[]) =>
  rows.filter((r) => r.rotation && !PROBLEM.has(r.status));

/** One rotation: alias, status, both addresses, and the plan's reason (governance, next step). */
function rotationLine(r: KeyRow): string {
  const { from = '?', to = '(made on apply)', reason } = r.rotation!;
  return `\`${r.alias}\` (${r.status}, ${reason}): ${from} → ${to}. ${r.reason.replace(/\r?\n/g, ' ')}`;
}

export function renderKeysConsole(rows: readonly KeyRow[], funding?: FundingPlan): string {
  const parts = [`Keys: ${summaryLine(rows)}`, renderConsoleTable(keyTable(rows))];
  const adopted = rows.filter((r) => r.status === 'adopt' || r.status === 'adopted');
  for (const r of adopted) parts.push(`adopt ${r.alias}: ${r.reason}`);
  const attest = attestationTable(rows);
  if (attest.rows.length) parts.push('Attestation addresses:', renderConsoleTable(attest));
  for (const r of problems(rows)) parts.push(`${r.status.toUpperCase()} ${r.alias}: ${r.reason}`);
  for (const r of rows.filter((row) => LEFTOVER.has(row.status)))
    parts.push(`${r.status.toUpperCase()} ${r.keyId} (${r.alias}): ${r.reason}`);
  for (const r of rows.filter((row) => ORPHANED.has(row.status)))
    parts.push(`ORPHANED ${r.keyId} (${r.alias}): ${r.reason}`);
  for (const r of rotationRows(rows)) parts.push(`ROTATION ${rotationLine(r)}`);
  if (funding) parts.push(renderFundingConsole(funding));
  return parts.join('\n\n');
}

export interface KeysMarkdownOptions {
  /** Heading, e.g. "Keys — staging". */
  title?: string;
  /** The funding settings of the plan, shown after the keys. */
  funding?: FundingPlan;
}

/** For job summaries and pull-request comments; keys this run creates or adopts are marked. */
export function renderKeysMarkdown(
  rows: readonly KeyRow[],
  ok: boolean,
  options: KeysMarkdownOptions = {},
): string {
  const parts: string[] = [];
  if (options.title) parts.push(`### ${options.title}`);
  parts.push(`${ok ? '✅' : '❌'} ${summaryLine(rows)}`);
  const attention = needsAttentionMarkdown(rows);
  if (attention) parts.push(attention);
  const leftovers = leftoversMarkdown(rows);
  if (leftovers) parts.push(leftovers);
  const orphaned = orphanedMarkdown(rows);
  if (orphaned) parts.push(orphaned);
  const rotations = rotationRows(rows);
  if (rotations.length) {
    parts.push(
      '**Key rotations** (`keys.rotate`; address now → address after the switch):\n' +
        rotations.map((r) => `- ${rotationLine(r)}`).join('\n'),
    );
  }
  parts.push(renderMarkdownTable(keyTable(rows, { markNew: '🆕' })));
  const attest = attestationTable(rows);
  if (attest.rows.length) {
    parts.push('**Attestation addresses**', renderMarkdownTable(attest));
  }
  if (options.funding) parts.push('**Funding settings**', renderFundingMarkdown(options.funding));
  return parts.join('\n\n');
}

/** For machines (the action's `keys-json` output): rows plus attestation addresses. */
export type KeysJson = KeysPlanJson;

export function keysJson(
  rows: readonly KeyRow[],
  ok: boolean,
  funding?: FundingPlan,
  prune?: boolean,
): KeysJson {
  return {
    ok: ok && funding?.outcome !== 'failed',
    keys: rows.map((r) => ({
      alias: r.alias,
      region: r.region,
      keyId: r.keyId,
      arn: r.arn,
      description: r.description,
      address: r.address,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.network !== undefined ? { network: r.network } : {}),
      ...(r.keyName !== undefined ? { keyName: r.keyName } : {}),
      purpose: r.purpose,
      store: r.store,
      ...(r.leftover ? { leftover: r.leftover } : {}),
      ...(r.orphaned ? { orphaned: r.orphaned } : {}),
      ...(r.rotation ? { rotation: r.rotation } : {}),
    })),
    attestation: attestationAddresses(rows),
    ...(funding ? { funding } : {}),
    ...(prune ? { prune: true as const } : {}),
  };
}
