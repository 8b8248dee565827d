import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors.js';
import { applyGuardJob } from '../jobs/apply-guard.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const { decision, markdown } = applyGuardJob({
    environment: core.getInput('environment', { required: true }),
    keysJson: core.getInput('keys-json'),
    iamJson: core.getInput('iam-json'),
    bucketJson: core.getInput('bucket-json'),
    approvedPlan: core.getInput('approved-plan'),
    // A plan file named by an input is relative to the workspace.
    readFile: (file) =>
      readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8'),
  });
  core.setOutput('plan-hash', decision.currentHash ?? '');
  core.setOutput('approved-hash', decision.approvedHash ?? '');
  await core.summary.addRaw(markdown).write();
  if (!decision.ok) throw new OperationError(decision.message);
  core.info(decision.message);
});
