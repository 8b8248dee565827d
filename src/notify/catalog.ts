/**
 * The alerts the workflows send (besides the Prometheus rules of the Keymaster service): each has
 * a name, the runbook section that says what to do, and whether it pages. The runbook anchors are
 * GitHub's anchors of the sections' headings; test/docs compares them with the runbooks.
 */
export const WORKFLOW_ALERTS = {
  KeymasterRunFailed: {
    runbook: 'keymaster-alerts.md',
    title: 'a Keymaster run failed',
    severity: 'critical',
    topic: 'keymaster',
  },
  KeymasterRunCancelled: {
    runbook: 'keymaster-alerts.md',
    title: 'a Keymaster run was cancelled',
    severity: 'error',
    topic: 'keymaster',
  },
  KeymasterRunStale: {
    runbook: 'keymaster-alerts.md',
    title: 'no successful Keymaster run for three schedule intervals',
    severity: 'critical',
    topic: 'keymaster',
  },
  KeymasterBankLow: {
    runbook: 'keymaster-alerts.md',
    title: 'a bank is below its alert level',
    severity: 'critical',
    topic: 'keymaster',
  },
  ApplyFailed: {
    runbook: 'keymaster-alerts.md',
    title: 'an apply failed or was cancelled',
    severity: 'error',
    topic: 'apply',
  },
  DriftFound: {
    runbook: 'drift.md',
    title: 'the environment differs from main',
    severity: 'warning',
    topic: 'drift',
  },
} as const satisfies Record<string, AlertSpec>;

export interface AlertSpec {
  /** The runbook file under docs/runbooks/. */
  runbook: string;
  /** What happened, in a few words. */
  title: string;
  /** PagerDuty Events v2 severity. */
  severity: 'critical' | 'error' | 'warning' | 'info';
  /** One tracking issue per topic and environment. */
  topic: 'keymaster' | 'apply' | 'drift';
}

export type WorkflowAlertName = keyof typeof WORKFLOW_ALERTS;

export const WORKFLOW_ALERT_NAMES = Object.keys(WORKFLOW_ALERTS) as WorkflowAlertName[];

/** GitHub's anchor of a heading that is the alert's name (lower-cased). */
export function runbookAnchor(name: WorkflowAlertName): string {
  return name.toLowerCase();
}

/** The runbook section of an alert on `repository`'s main branch. */
export function runbookUrl(
  name: WorkflowAlertName,
  repository: string,
  server = 'https://github.com',
): string {
  const spec: AlertSpec = WORKFLOW_ALERTS[name];
  return `${server}/${repository}/blob/main/docs/runbooks/${spec.runbook}#${runbookAnchor(name)}`;
}

export function isWorkflowAlertName(value: string): value is WorkflowAlertName {
  return Object.hasOwn(WORKFLOW_ALERTS, value);
}
