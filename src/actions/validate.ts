import path from 'node:path';
import { defaultEnvironmentFiles, validateFiles } from '../cli/commands/validate.js';
import { validationMarkdown } from '../report/validation.js';
import { getListInput, runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const cwd = path.resolve(core.getInput('working-directory') || '.');
  const listed = getListInput('files');
  const files = listed.length > 0 ? listed : await defaultEnvironmentFiles(cwd);
  const results = await validateFiles(files, cwd);
  for (const p of results.flatMap((r) => r.problems)) {
    core.error(`${p.path || '(file)'}: ${p.message}`, {
      title: 'Invalid environment file',
      file: path.relative(cwd, path.resolve(cwd, p.file)),
      startLine: p.line,
      startColumn: p.col,
    });
  }
  const problemCount = results.reduce((n, r) => n + r.problems.length, 0);
  core.setOutput('valid', String(problemCount === 0));
  core.setOutput('problems-json', JSON.stringify(results.flatMap((r) => r.problems)));
  await core.summary.addRaw(validationMarkdown(results)).write();
  if (files.length === 0) throw new Error(`no environment files found under ${cwd}/environments`);
  if (problemCount > 0)
    throw new Error(`${problemCount} problem(s) in the environment files; see the annotations`);
});
