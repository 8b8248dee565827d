import path from 'node:path';
import { validateJob } from '../jobs/validate.js';
import { getListInput, runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const cwd = path.resolve(core.getInput('working-directory') || '.');
  const job = await validateJob(getListInput('files'), cwd);
  for (const p of job.problems) {
    core.error(`${p.path || '(file)'}: ${p.message}`, {
      title: 'Invalid environment file',
      file: path.relative(cwd, path.resolve(cwd, p.file)),
      startLine: p.line,
      startColumn: p.col,
    });
  }
  core.setOutput('valid', String(job.problems.length === 0));
  core.setOutput('problems-json', JSON.stringify(job.problems));
  await core.summary.addRaw(job.markdown).write();
  if (job.failure) throw job.failure;
});
