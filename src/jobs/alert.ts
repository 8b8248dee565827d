import { parse } from 'yaml';
import { errorMessage } from '../errors.js';
import type { IssuesApi } from '../github/issues.js';
import type { RunsApi } from '../github/runs.js';
import { noteOnTrackingIssue, trackingNotes, type NoteAction } from '../github/tracking.js';
import { WORKFLOW_ALERTS } from '../notify/catalog.js';
import { alertMarkdown, headline, type Alert } from '../notify/message.js';
import {
  alertsOfRun,
  staleAlerts,
  type LastSuccess,
  type WatchedWorkflow,
} from '../notify/run-alerts.js';
import { scheduleIntervalSeconds, workflowCrons } from '../notify/schedule.js';
import {
  sendToWebhooks,
  type ChannelOutcome,
  type PostJson,
  type WebhookTargets,
} from '../notify/send.js';

/** Where alerts go: the tracking issue (when a GitHub API is given) and the webhooks configured. */
export interface AlertChannels {
  issues?: IssuesApi;
  botLogin: string;
  targets: WebhookTargets;
  post: PostJson;
  /** A problem that must not fail the alerting job (a webhook that failed). */
  warn: (message: string) => void;
  info: (message: string) => void;
}

export interface Delivered {
  alert: Alert;
  issue?: { number: number; url: string; action: NoteAction };
  channels: ChannelOutcome[];
}

/** The label of a topic's tracking issues. */
export const ALERT_LABELS = {
  keymaster: 'keymaster-alert',
  apply: 'apply-alert',
  drift: 'drift',
} as const;

export function alertMarker(topic: keyof typeof ALERT_LABELS, environment: string): string {
  return `<!-- nomad-agent-ops:${topic}:${environment} -->`;
}

const TITLES = {
  keymaster: (env: string) => `Keymaster (${env}) needs attention`,
  apply: (env: string) => `Apply (${env}) failed`,
  drift: (env: string) => `Drift in ${env}`,
};

/**
 * Sends one alert: a note on the tracking issue of its topic and environment (opened when none is
 * open), then, only when the note is new (a lasting condition is not re-sent every check), to
 * the webhooks configured. A webhook that fails is a warning, never an error: alerting must not
 * fail the job that alerts. A tracking issue that cannot be written is thrown after the webhooks
 * were tried.
 */
export async function deliverAlert(
  alert: Alert,
  channels: AlertChannels,
  fingerprint: string,
): Promise<Delivered> {
  const topic = WORKFLOW_ALERTS[alert.name].topic;
  let issue: Delivered['issue'];
  let issueError: unknown;
  if (channels.issues) {
    try {
      const noted = await noteOnTrackingIssue(
        channels.issues,
        {
          label: ALERT_LABELS[topic],
          marker: alertMarker(topic, alert.environment),
          title: TITLES[topic](alert.environment),
          botLogin: channels.botLogin,
        },
        alertMarkdown(alert),
        `${alert.name}:${alert.environment}:${fingerprint}`,
        'Alerts about this are added here as comments. Close this issue once it is healthy again; the next alert opens a new one.',
      );
      issue = { number: noted.issue.number, url: noted.issue.url, action: noted.action };
      channels.info(`${headline(alert)}: ${noted.action} ${noted.issue.url}`);
    } catch (error) {
      issueError = error;
    }
  }
  const channelsOut =
    issue?.action === 'already-noted'
      ? []
      : await sendToWebhooks(alert, channels.targets, channels.post);
  for (const c of channelsOut) {
    if (c.sent) channels.info(`${headline(alert)}: sent to ${c.channel}`);
    else
      channels.warn(
        `the ${c.channel} alert was not delivered (${c.problem ?? 'unknown'}); the tracking issue has it`,
      );
  }
  if (!channels.targets.slackWebhookUrl && !channels.targets.pagerDutyRoutingKey) {
    channels.info(
      'no webhook configured (NOMAD_ALERT_SLACK_WEBHOOK_URL, NOMAD_ALERT_PAGERDUTY_ROUTING_KEY): the tracking issue only',
    );
  }
  if (issueError !== undefined) {
    throw new Error(
      `could not write the tracking issue of ${alert.environment}: ${errorMessage(issueError)}`,
      {
        cause: issueError,
      },
    );
  }
  return { alert, ...(issue ? { issue } : {}), channels: channelsOut };
}

/** The alerts of the current run (the job that alerts reads its own run's jobs) and their delivery. */
export async function alertOnRun(
  workflow: WatchedWorkflow,
  runs: RunsApi,
  run: { id: string; url: string },
  repository: string,
  channels: AlertChannels,
): Promise<Delivered[]> {
  const jobs = await runs.jobsOf(Number(run.id));
  const alerts = alertsOfRun(workflow, jobs, { repository, run, fallbackEnvironment: 'all' });
  if (alerts.length === 0) channels.info(`no failed or cancelled job in run ${run.url}`);
  const out: Delivered[] = [];
  for (const alert of alerts) out.push(await deliverAlert(alert, channels, run.id));
  return out;
}

export interface WatchdogOptions {
  /** The Keymaster workflow's text (its on.schedule gives the interval) and its file name. */
  workflowText: string;
  workflowFile: string;
  environments: string[];
  now: Date;
  repository: string;
  run?: { id: string; url: string };
  /** How many recent runs to read (default 50). */
  runsToRead?: number;
}

/** Finds each environment's last successful Keymaster job among the recent runs, newest first. */
export async function lastSuccesses(
  runs: RunsApi,
  workflowFile: string,
  environments: string[],
  count: number,
): Promise<LastSuccess[]> {
  const found = new Map<string, LastSuccess>();
  for (const run of await runs.recentRuns(workflowFile, 'main', count)) {
    if (found.size === environments.length) break;
    if (run.status !== 'completed' && run.status !== 'in_progress') continue;
    for (const job of await runs.jobsOf(run.id)) {
      const env = /^keymaster \(([\w-]+)\)$/.exec(job.name)?.[1];
      if (!env || !environments.includes(env) || found.has(env)) continue;
      if (job.conclusion === 'success' && job.completedAt) {
        found.set(env, { environment: env, at: job.completedAt, run });
      }
    }
  }
  return environments.map((e) => found.get(e) ?? { environment: e });
}

/**
 * The watchdog: alerts for every environment whose last successful Keymaster run is older than
 * three intervals of the Keymaster's own schedule.
 */
export async function keymasterWatchdog(
  runs: RunsApi,
  options: WatchdogOptions,
  channels: AlertChannels,
): Promise<{
  intervalSeconds: number;
  stale: Delivered[];
  fresh: string[];
  resolved: Delivered[];
}> {
  const intervalSeconds = scheduleIntervalSeconds(
    workflowCrons(parse(options.workflowText), options.workflowFile),
  );
  const staleAfter = 3 * intervalSeconds;
  const last = await lastSuccesses(
    runs,
    options.workflowFile.split('/').pop()!,
    options.environments,
    options.runsToRead ?? 50,
  );
  const { alerts, fresh } = staleAlerts(last, options.now, staleAfter, {
    repository: options.repository,
    intervalSeconds,
    ...(options.run ? { run: options.run } : {}),
  });
  for (const env of fresh)
    channels.info(`${env}: a successful Keymaster run within ${staleAfter / 60} min`);
  const resolved: Delivered[] = [];
  for (const env of fresh) {
    const done = await resolveStale(env, options, channels);
    if (done) resolved.push(done);
  }
  const stale: Delivered[] = [];
  for (const alert of alerts) {
    // One note per stale spell: keyed by the last success seen (none: the window's start).
    const since = last.find((l) => l.environment === alert.environment)?.run?.id ?? 'none';
    stale.push(await deliverAlert(alert, channels, `stale-since-${since}`));
  }
  return { intervalSeconds, stale, fresh, resolved };
}

/**
 * An environment fresh again whose tracking issue holds a stale note not yet resolved: the note
 * "resolved" on the issue, and a resolve to the webhooks (PagerDuty closes the incident).
 */
async function resolveStale(
  environment: string,
  options: WatchdogOptions,
  channels: AlertChannels,
): Promise<Delivered | undefined> {
  if (!channels.issues) return undefined;
  const notes = await trackingNotes(channels.issues, {
    label: ALERT_LABELS.keymaster,
    marker: alertMarker('keymaster', environment),
    title: TITLES.keymaster(environment),
    botLogin: channels.botLogin,
  });
  const stamp = `nomad-agent-ops:note:KeymasterRunStale:${environment}:`;
  const spells = notes.flatMap((n) =>
    [...n.matchAll(new RegExp(`${stamp}(stale-since-[\\w-]+)`, 'g'))].map((m) => m[1]!),
  );
  const last = spells.at(-1);
  if (!last || notes.some((n) => n.includes(`${stamp}resolved-${last} `))) return undefined;
  const alert: Alert = {
    name: 'KeymasterRunStale',
    environment,
    repository: options.repository,
    ...(options.run ? { run: options.run } : {}),
    what: [`a Keymaster run of ${environment} succeeded again`],
    action: 'resolve',
  };
  return deliverAlert(alert, channels, `resolved-${last}`);
}
