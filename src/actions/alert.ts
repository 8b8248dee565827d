import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runAlertCheck, type AlertCheck } from '../jobs/alert-check.js';
import { alertingFromInputs } from './support/alerting.js';
import { getChoiceInput, workingDirectory } from './support/inputs.js';
import { getListInput, runAction } from './support/run.js';
import { core } from './support/core.js';

const request = (): AlertCheck => {
  const check = getChoiceInput('check', ['run', 'watchdog', 'alert'] as const);
  if (check === 'run')
    return { check, workflow: getChoiceInput('workflow', ['keymaster', 'apply'] as const) };
  if (check === 'alert')
    return {
      check,
      alert: core.getInput('alert'),
      environment: core.getInput('environment'),
      what: core.getInput('what'),
    };
  const file = core.getInput('keymaster-workflow') || '.github/workflows/keymaster.yml';
  const text = readFileSync(path.resolve(workingDirectory(), file), 'utf8');
  return {
    check,
    workflowText: text,
    workflowFile: file,
    environments: getListInput('environments'),
  };
};

await runAction(async () => {
  const { repository, channels, runs, run } = alertingFromInputs();
  const delivered = await runAlertCheck(
    request(),
    { runs, repository, run, now: new Date() },
    channels,
  );
  core.setOutput('alerts', String(delivered.length));
  core.setOutput('issue-url', delivered.find((d) => d.issue)?.issue?.url ?? '');
});
