import { readFileSync } from 'node:fs';
import path from 'node:path';
import { driftFromPlanInputs } from '../jobs/drift.js';
import { alertingFromInputs } from './support/alerting.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const { repository, channels, issues, run } = alertingFromInputs();
  const environment = core.getInput('environment', { required: true });
  const read = (file: string) =>
    readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8');
  const outcome = await driftFromPlanInputs(
    environment,
    {
      keys: core.getInput('keys-json'),
      iam: core.getInput('iam-json'),
      bucket: core.getInput('bucket-json'),
    },
    read,
    issues,
    channels,
    { repository, run },
  );
  core.setOutput('clean', String(outcome.findings.length === 0));
  core.setOutput('findings-json', JSON.stringify(outcome.findings));
  core.setOutput('issue-url', outcome.issue?.url ?? '');
  if (outcome.issue) core.info(`${outcome.issue.action} ${outcome.issue.url}`);
  await core.summary.addRaw(outcome.markdown + '\n').write();
});
