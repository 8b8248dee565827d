import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alertOnRun, deliverAlert, keymasterWatchdog } from '../jobs/alert.js';
import { explicitAlert } from '../jobs/alert-explicit.js';
import { alertingFromInputs } from './support/alerting.js';
import { getChoiceInput, workingDirectory } from './support/inputs.js';
import { getListInput, runAction } from './support/run.js';
import { core } from './support/core.js';

await runAction(async () => {
  const { repository, channels, runs, run } = alertingFromInputs();
  const check = getChoiceInput('check', ['run', 'watchdog', 'alert'] as const);
  let delivered;
  if (check === 'run') {
    const workflow = getChoiceInput('workflow', ['keymaster', 'apply'] as const);
    delivered = await alertOnRun(workflow, runs, run, repository, channels);
  } else if (check === 'watchdog') {
    const file = core.getInput('keymaster-workflow') || '.github/workflows/keymaster.yml';
    delivered = (
      await keymasterWatchdog(
        runs,
        {
          workflowText: readFileSync(path.resolve(workingDirectory(), file), 'utf8'),
          workflowFile: file,
          environments: getListInput('environments'),
          now: new Date(),
          repository,
          run,
        },
        channels,
      )
    ).stale;
  } else {
    const alert = explicitAlert(core.getInput('alert'), core.getInput('environment'), {
      repository,
      run,
      what: core.getInput('what'),
    });
    delivered = [await deliverAlert(alert, channels, run.id)];
  }
  core.setOutput('alerts', String(delivered.length));
  core.setOutput('issue-url', delivered.find((d) => d.issue)?.issue?.url ?? '');
});
