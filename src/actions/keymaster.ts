import { awsForEnvironment } from '../jobs/aws.js';
import { loadEnvironment } from '../jobs/environment.js';
import { checkPassed, keymasterJob } from '../jobs/keymaster.js';
import { getChoiceInput, workingDirectory } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { OperationError } from '../errors.js';
import { runAction } from './support/run.js';
import { errorText } from '../redact.js';
import { core } from './support/core.js';
import { approvedMode } from './support/approved.js';
import { useRpcUrlsInput } from './support/rpc-urls.js';

await runAction(async () => {
  const mode = getChoiceInput('mode', ['check', 'top-up', 'approved'] as const);
  // Masked and registered before anything else is read or written (runAction did the env's).
  useRpcUrlsInput({ exportToJob: mode === 'approved' });
  const env = loadEnvironment(core.getInput('environment', { required: true }), workingDirectory());
  const clients = await awsForEnvironment(env, process.env);
  const pushgateway = core.getInput('pushgateway-url');
  if (mode === 'approved') return approvedMode(env, clients, pushgateway);
  const dryRun = mode === 'check' || core.getBooleanInput('dry-run');
  const job = keymasterJob(env, clients, process.env);
  const run = await job.runOnce({ dryRun });
  job.metrics.observe(run);
  // The transfers have happened: their table is written before anything else can fail.
  const markdown = job.markdown(run);
  core.setOutput('ok', String(checkPassed(run)));
  setJsonOutput('run-json', env.name, job.json(run));
  core.setOutput('balances-markdown', markdown);
  core.setOutput('top-ups', String(run.sent.filter((t) => t.status === 'mined').length));
  await core.summary.addRaw(markdown + '\n').write();
  if (pushgateway) {
    try {
      await job.metrics.push(pushgateway);
    } catch (error) {
      core.warning(
        `${errorText(error)}; the run itself is reported above, and the stale-metrics alert fires if this persists`,
      );
    }
  }
  const unapproved = run.failures.find((f) => f.kind === 'unapproved');
  if (unapproved) throw new OperationError(`Keymaster ${env.name}: ${unapproved.message}`);
  if (!checkPassed(run)) {
    throw new OperationError(
      `Keymaster ${env.name}: ${run.failures.length} problem(s)${run.bankLow ? ', a bank is below its alert level' : ''}${run.dryRun ? ', or wallets below lower' : ''}; see the job summary`,
    );
  }
});
