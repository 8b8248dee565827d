import type { KeyAccessChange } from '../plan/keys/key-access.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from './table.js';

/**
 * Who can sign with which key, by operator (DESIGN §8b): one row per key whose signers change,
 * so a reviewer sees an agent moving from one party to another as a revoke and a grant. Parties
 * whose access stays as it is are summed up in one line.
 */

const TITLE = 'Who can sign, by operator';

export function keyAccessTable(changes: readonly KeyAccessChange[]): Table {
  const rows: string[][] = [];
  for (const c of changes) {
    const party = c.removed ? `${c.party} (removed from the file)` : c.party;
    for (const alias of c.revoked) rows.push([party, c.principal, alias, '− can no longer sign']);
    for (const alias of c.granted) rows.push([party, c.principal, alias, '+ can sign']);
    if (c.uploadsProofs.now !== c.uploadsProofs.wanted) {
      rows.push([
        party,
        c.principal,
        'proofs bucket',
        c.uploadsProofs.wanted ? '+ can upload proofs' : '− can no longer upload proofs',
      ]);
    }
  }
  return { columns: ['Operator', 'Principal', 'Key', 'Change'], rows };
}

function unchanged(changes: readonly KeyAccessChange[]): string | undefined {
  const same = changes.filter(
    (c) =>
      c.granted.length === 0 &&
      c.revoked.length === 0 &&
      c.uploadsProofs.now === c.uploadsProofs.wanted,
  );
  if (same.length === 0) return undefined;
  return `Unchanged: ${same.map((c) => `${c.party} (${c.now.length} keys${c.uploadsProofs.now ? ', proofs' : ''})`).join(', ')}.`;
}

const NOTE =
  'Revocations of operators removed from the file, and of policies no longer wanted, take effect with prune.';

export function renderKeyAccessConsole(changes: readonly KeyAccessChange[]): string {
  const table = keyAccessTable(changes);
  const lines = [`${TITLE}:`];
  if (table.rows.length > 0) lines.push(renderConsoleTable(table));
  const same = unchanged(changes);
  if (same) lines.push(same);
  if (changes.some((c) => c.removed)) lines.push(NOTE);
  return lines.join('\n');
}

export function renderKeyAccessMarkdown(changes: readonly KeyAccessChange[]): string {
  const table = keyAccessTable(changes);
  const parts = [`#### ${TITLE}`];
  if (table.rows.length > 0) parts.push(renderMarkdownTable(table));
  const same = unchanged(changes);
  if (same) parts.push(same);
  if (changes.some((c) => c.removed)) parts.push(NOTE);
  return parts.join('\n\n');
}
