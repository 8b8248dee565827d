import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OperationError } from '../errors.js';
import { applyApprovedJob, readApprovedPlan } from '../jobs/apply-approved.js';
import { awsForEnvironment } from '../jobs/aws.js';
import { loadEnvironment } from '../jobs/environment.js';
import { kmsWritesPerSecond } from '../jobs/keys-rate.js';
import { createProgress } from '../progress.js';
import { getBooleanInput, workingDirectory } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const env = loadEnvironment(core.getInput('environment', { required: true }), workingDirectory());
  // The artifact is read and checked before any AWS call; a path is relative to the workspace.
  const approved = readApprovedPlan(env.name, core.getInput('approved-plan'), (file) =>
    readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8'),
  );
  const commit = core.getInput('commit') || process.env.GITHUB_SHA;
  const rate = kmsWritesPerSecond(undefined, process.env);
  const progress = createProgress({
    sink: { write: (t) => process.stderr.write(t) },
    label: 'keys apply',
  });
  progress.begin(`${env.name}: checking the AWS account, then reading what the plan covers`);
  const job = await applyApprovedJob(env, await awsForEnvironment(env, process.env), {
    approved,
    ...(commit ? { commit } : {}),
    bootstrap: getBooleanInput('bootstrap', false),
    verifyKeyTrust: getBooleanInput('verify-key-trust', true),
    ...(rate ? { kmsWritesPerSecond: rate } : {}),
    progress,
    ...(process.env.GITHUB_REPOSITORY ? { repository: process.env.GITHUB_REPOSITORY } : {}),
  });
  core.setOutput('plan-hash', job.decision.currentHash ?? '');
  core.setOutput('approved-hash', job.decision.approvedHash ?? '');
  if (job.keys) setJsonOutput('keys-json', env.name, JSON.stringify(job.keys.json));
  if (job.iam) setJsonOutput('iam-json', `${env.name}-iam`, job.iam.json);
  if (job.bucket) setJsonOutput('bucket-json', `${env.name}-bucket`, job.bucket.json);
  core.setOutput('ok', String(job.ok));
  await core.summary.addRaw(job.markdown).write();
  if (!job.decision.ok) throw new OperationError(job.decision.message);
  if (job.failed) throw new OperationError(job.failed.message);
  core.info(job.decision.message);
});
