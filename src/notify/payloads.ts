import { dedupKey, headline, runbookOf, specOf, type Alert } from './message.js';

/**
 * The bodies the webhooks receive, built from an alert and nothing else (pure). The webhook URL
 * and the routing key are not part of the text a person reads; the routing key travels only in
 * the PagerDuty body, as the Events API v2 requires.
 */

/** PagerDuty's limit on `payload.summary`. */
const PAGERDUTY_SUMMARY_MAX = 1024;

/**
 * A Slack incoming-webhook message: `text` in Slack's mrkdwn, which the Slack-compatible
 * receivers (Mattermost, Rocket.Chat, Discord's `/slack` endpoint, Teams' workflows) also read.
 */
export function slackPayload(alert: Alert): { text: string } {
  const escape = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const lines = [`*${escape(headline(alert))}*`];
  if (alert.run) lines.push(`Run: <${alert.run.url}|${escape(alert.run.id)}>`);
  for (const what of alert.what) lines.push(`• ${escape(what)}`);
  lines.push(`Runbook: <${runbookOf(alert)}|${alert.name}>`);
  return { text: lines.join('\n') };
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}

/** A PagerDuty Events API v2 event (POST https://events.pagerduty.com/v2/enqueue). */
export function pagerDutyEvent(alert: Alert, routingKey: string): PagerDutyEvent {
  const key = dedupKey(alert);
  if (alert.action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: key };
  }
  const summary = [headline(alert), ...alert.what].join(' — ');
  const links = [{ href: runbookOf(alert), text: `Runbook: ${alert.name}` }];
  if (alert.run) links.unshift({ href: alert.run.url, text: `Run ${alert.run.id}` });
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: key,
    payload: {
      summary:
        summary.length > PAGERDUTY_SUMMARY_MAX
          ? `${summary.slice(0, PAGERDUTY_SUMMARY_MAX - 1)}…`
          : summary,
      source: alert.repository,
      severity: specOf(alert).severity,
      component: specOf(alert).topic,
      group: alert.environment,
      class: alert.name,
      custom_details: {
        environment: alert.environment,
        what: alert.what,
        run: alert.run?.url,
        runbook: runbookOf(alert),
      },
    },
    links,
  };
}
