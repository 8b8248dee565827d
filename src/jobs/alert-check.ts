import { InputError } from '../errors.js';
import type { RunsApi } from '../github/runs.js';
import { isWorkflowAlertName, WORKFLOW_ALERT_NAMES } from '../notify/catalog.js';
import type { Alert } from '../notify/message.js';
import {
  alertOnRun,
  deliverAlert,
  keymasterWatchdog,
  type AlertChannels,
  type Delivered,
} from './alert.js';

/** An alert named by the operator or a workflow (`--alert KeymasterBankLow`), checked as input. */
export function explicitAlert(
  name: string,
  environment: string,
  base: { repository: string; run?: { id: string; url: string }; what: string },
): Alert {
  if (!isWorkflowAlertName(name)) {
    throw new InputError(`alert "${name}" is not one of ${WORKFLOW_ALERT_NAMES.join(', ')}`);
  }
  if (!/^[\w-]+$/.test(environment)) {
    throw new InputError(`environment "${environment}" is not an environment name (like staging)`);
  }
  return {
    name,
    environment,
    repository: base.repository,
    ...(base.run ? { run: base.run } : {}),
    what: base.what
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    action: 'trigger',
  };
}

/** What the alert action was asked to check, with the inputs of that check. */
export type AlertCheck =
  | { check: 'run'; workflow: 'keymaster' | 'apply' }
  | { check: 'watchdog'; workflowText: string; workflowFile: string; environments: string[] }
  | { check: 'alert'; alert: string; environment: string; what: string };

/** The alert action's one job: the check asked for, delivered through `channels`. */
export async function runAlertCheck(
  request: AlertCheck,
  context: {
    runs: RunsApi;
    repository: string;
    run: { id: string; url: string };
    now: Date;
  },
  channels: AlertChannels,
): Promise<Delivered[]> {
  const { runs, repository, run } = context;
  if (request.check === 'run') {
    return alertOnRun(request.workflow, runs, run, repository, channels);
  }
  if (request.check === 'watchdog') {
    const environments = request.environments.length
      ? request.environments
      : ['staging', 'production'];
    const verdict = await keymasterWatchdog(
      runs,
      { ...request, environments, now: context.now, repository, run },
      channels,
    );
    return verdict.stale;
  }
  const alert = explicitAlert(request.alert, request.environment, {
    repository,
    run,
    what: request.what,
  });
  return [await deliverAlert(alert, channels, run.id)];
}
