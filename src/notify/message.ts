import { WORKFLOW_ALERTS, runbookUrl, type AlertSpec, type WorkflowAlertName } from './catalog.js';

/** One alert, as every channel (tracking issue, Slack-compatible webhook, PagerDuty) receives it. */
export interface Alert {
  name: WorkflowAlertName;
  /** development, staging or production. */
  environment: string;
  /** owner/name. */
  repository: string;
  /** The run the alert is about (the failed run, or the watchdog's or drift check's own run). */
  run?: { id: string; url: string };
  /** What failed, one line each (a job and its failed step, a stale environment's last success). */
  what: string[];
  /** 'trigger' opens or re-notifies; 'resolve' says it is over (PagerDuty resolves the incident). */
  action: 'trigger' | 'resolve';
  /** Where the runbook lives; default this repository's on GitHub. */
  runbook?: string;
}

export function specOf(alert: Alert): AlertSpec {
  return WORKFLOW_ALERTS[alert.name];
}

export function runbookOf(alert: Alert): string {
  return alert.runbook ?? runbookUrl(alert.name, alert.repository);
}

/** One line: `[production] KeymasterRunFailed: a Keymaster run failed`. */
export function headline(alert: Alert): string {
  const state = alert.action === 'resolve' ? ' (resolved)' : '';
  return `[${alert.environment}] ${alert.name}${state}: ${specOf(alert).title}`;
}

/**
 * The key that ties notifications of one condition together (PagerDuty's dedup_key): the same
 * alert of the same environment in the same repository updates one incident, and a resolve
 * closes it.
 */
export function dedupKey(alert: Alert): string {
  return `nomad-agent-ops/${alert.repository}/${alert.environment}/${alert.name}`;
}

/** The alert as markdown (tracking issue comments and bodies). */
export function alertMarkdown(alert: Alert): string {
  const lines = [`**${headline(alert)}**`, ''];
  if (alert.run) lines.push(`Run: ${alert.run.url}`, '');
  for (const what of alert.what) lines.push(`- ${what}`);
  if (alert.what.length) lines.push('');
  lines.push(`What to do: ${runbookOf(alert)}`);
  return lines.join('\n');
}
