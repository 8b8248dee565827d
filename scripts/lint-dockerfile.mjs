#!/usr/bin/env node
// Lints Dockerfiles with dockerfile-utils (the validator of VS Code's Docker language server):
// every error and warning as `file:line:col: severity: message`, exit 1 when there is any.
// Usage: node scripts/lint-dockerfile.mjs [files…] (default deploy/Dockerfile)
import { readFileSync } from 'node:fs';
import { ValidationSeverity, validate } from 'dockerfile-utils';

/** The problems of one Dockerfile's text, as lines naming file, line and column (1-based). */
export function lintDockerfile(file, text) {
  // Every check on (the settings replace the library's defaults, they do not merge with them).
  const W = ValidationSeverity.WARNING;
  return validate(text, {
    deprecatedMaintainer: W,
    directiveCasing: W,
    emptyContinuationLine: W,
    instructionCasing: W,
    instructionCmdMultiple: W,
    instructionEntrypointMultiple: W,
    instructionHealthcheckMultiple: W,
    instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
    instructionWorkdirRelative: W,
  }).map((d) => {
    const severity = d.severity === 1 ? 'error' : 'warning';
    return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${severity}: ${d.message}`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : ['deploy/Dockerfile'];
  const problems = files.flatMap((f) => lintDockerfile(f, readFileSync(f, 'utf8')));
  for (const p of problems) console.error(p);
  console.log(`dockerfile-utils: ${files.length} file(s), ${problems.length} problem(s)`);
  process.exit(problems.length > 0 ? 1 : 0);
}
