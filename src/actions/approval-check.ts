import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors.js';
import { githubClient, repositoryOf } from '../github/client.js';
import { approvalCheckJob, rangeFromPlanFile, runIdArg } from '../jobs/approval-check.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const { owner, repo } = repositoryOf(process.env.GITHUB_REPOSITORY);
  const range = rangeFromPlanFile(
    { name: 'approved-plan', text: core.getInput('approved-plan') },
    (file) => readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8'),
  );
  const { decision, markdown } = await approvalCheckJob(
    githubClient(core.getInput('github-token')),
    {
      repository: `${owner}/${repo}`,
      runId: runIdArg(core.getInput('run-id') || process.env.GITHUB_RUN_ID),
      environment: core.getInput('environment', { required: true }),
      range,
    },
  );
  core.setOutput('ok', String(decision.ok));
  core.setOutput('approvers', decision.approvers.join(','));
  await core.summary.addRaw(markdown).write();
  if (!decision.ok) throw new OperationError(decision.message);
  core.info(decision.message);
});
