/** A table as data: the console and markdown renderers below draw the same rows. */
export interface Table {
  columns: string[];
  rows: string[][];
}

/** Plain aligned columns for terminals and logs. */
export function renderConsoleTable(table: Table): string {
  const widths = table.columns.map((c, i) =>
    Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(table.columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.rows.map(line),
  ].join('\n');
}

/** Escapes what would break a GitHub-flavoured markdown table cell. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function renderMarkdownTable(table: Table): string {
  const row = (cells: string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  return [
    row(table.columns),
    `|${table.columns.map(() => ' --- ').join('|')}|`,
    ...table.rows.map(row),
  ].join('\n');
}
