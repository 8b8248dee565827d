import { awsForEnvironment } from '../jobs/aws.js';
import { loadEnvironment } from '../jobs/environment.js';
import { keysJob } from '../jobs/keys.js';
import { kmsWritesPerSecond } from '../jobs/keys-rate.js';
import { createProgress } from '../progress.js';
import { getBooleanInput, getChoiceInput, workingDirectory } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { OperationError } from '../errors.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const env = loadEnvironment(core.getInput('environment', { required: true }), workingDirectory());
  const mode = getChoiceInput('mode', ['plan', 'apply'] as const);
  const commit = core.getInput('commit') || process.env.GITHUB_SHA;
  const rate = kmsWritesPerSecond(undefined, process.env);
  // Workflows check every aliased key's policy, grants and tags: reviewers approve a plan that
  // would show a key someone else can sign with. The CLI leaves it to --verify-key-trust.
  const verifyKeyTrust = getBooleanInput('verify-key-trust', true);
  // Plain lines in the job log (not a terminal): a line at the start, then every 5 s.
  const progress =
    mode === 'apply'
      ? createProgress({ sink: { write: (t) => process.stderr.write(t) }, label: 'keys apply' })
      : undefined;
  progress?.begin(`${env.name}: checking the AWS account, then reading the keys`);
  const job = await keysJob(env, await awsForEnvironment(env, process.env), mode, {
    ...(commit ? { commit } : {}),
    ...(rate ? { kmsWritesPerSecond: rate } : {}),
    ...(verifyKeyTrust ? { verifyKeyTrust: true } : {}),
    ...(progress ? { progress } : {}),
  });
  setJsonOutput('keys-json', env.name, JSON.stringify(job.json));
  core.setOutput('table-markdown', job.markdown);
  core.setOutput('created', String(job.created));
  await core.summary.addRaw(job.markdown + '\n').write();
  if (!job.result.ok)
    throw new OperationError(`some keys of ${env.name} need attention; see the job summary`);
  if (job.funding.outcome === 'failed')
    throw new OperationError(`${env.name}: ${job.funding.error}`);
});
