import { bucketJob } from '../jobs/iam.js';
import { awsForEnvironment } from '../jobs/aws.js';
import { loadEnvironment } from '../jobs/environment.js';
import { getChoiceInput, workingDirectory } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { OperationError } from '../errors.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const env = loadEnvironment(core.getInput('environment', { required: true }), workingDirectory());
  const mode = getChoiceInput('mode', ['plan', 'apply'] as const);
  const job = await bucketJob(env, await awsForEnvironment(env, process.env), mode);
  setJsonOutput('plan-json', `${env.name}-bucket`, job.json);
  core.setOutput('plan-markdown', job.markdown);
  core.setOutput('ok', String(job.ok));
  await core.summary.addRaw(job.markdown + '\n').write();
  if (!job.ok)
    throw new OperationError(
      `the proofs bucket of ${env.name} needs attention; see the job summary`,
    );
});
