import type { Problem } from '../config/problem.js';
import { renderMarkdownTable } from './table.js';

/** One environment file's validation: every problem with its file, line and column. */
export interface FileValidation {
  file: string;
  ok: boolean;
  problems: Problem[];
}

/** The validate job summary: one line per file, then every problem with its place. */
export function validationMarkdown(results: FileValidation[]): string {
  const bad = results.filter((r) => !r.ok);
  const head =
    bad.length === 0
      ? `### Environment files: all ${results.length} valid`
      : `### Environment files: ${bad.length} of ${results.length} invalid`;
  const files = renderMarkdownTable({
    columns: ['File', 'Result'],
    rows: results.map((r) => [r.file, r.ok ? 'valid' : `${r.problems.length} problem(s)`]),
  });
  const problems = bad.flatMap((r) => r.problems);
  const problemTable =
    problems.length === 0
      ? ''
      : '\n\n' +
        renderMarkdownTable({
          columns: ['Where', 'Field', 'Problem'],
          rows: problems.map((p) => [
            `${p.file}:${p.line}:${p.col}`,
            p.path || '(file)',
            p.message,
          ]),
        });
  return `${head}\n\n${files}${problemTable}\n`;
}
