import type { Finding } from '../github/settings-finding.js';

/** `github check` for a terminal: each problem with its fix, then what could not be told. */
export function renderGithubCheck(repository: string, findings: Finding[]): string {
  const problems = findings.filter((f) => f.severity === 'problem');
  const unknown = findings.filter((f) => f.severity === 'unknown');
  const head =
    problems.length === 0
      ? `GitHub settings of ${repository}: OK`
      : `GitHub settings of ${repository}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  const item = (mark: string, f: Finding) =>
    `${mark} ${f.subject}: ${f.problem}\n    fix: ${f.fix}`;
  return [head, ...problems.map((f) => item('✗', f)), ...unknown.map((f) => item('?', f))].join(
    '\n',
  );
}
