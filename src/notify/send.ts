import { errorMessage } from '../errors.js';
import { redact, registerRpcUrl, registerSecret } from '../redact.js';
import type { Alert } from './message.js';
import { pagerDutyEvent, slackPayload } from './payloads.js';

/** PagerDuty's Events API v2; tests point it at a recording server. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Where alerts go besides the tracking issue; each is optional (from a secret). */
export interface WebhookTargets {
  /** A Slack-compatible incoming webhook URL. */
  slackWebhookUrl?: string;
  /** A PagerDuty Events v2 routing key (integration key). */
  pagerDutyRoutingKey?: string;
  /** Default PAGERDUTY_EVENTS_URL. */
  pagerDutyUrl?: string;
}

/** POSTs a JSON body; the HTTP status, or a throw when nothing answered. */
export type PostJson = (url: string, body: unknown) => Promise<{ status: number; text: string }>;

export interface ChannelOutcome {
  channel: 'slack' | 'pagerduty';
  sent: boolean;
  /** Why not (redacted: never the URL's secret parts nor the routing key). */
  problem?: string;
}

/**
 * Registers the webhook URL (its secret path and query parts) and the routing key with the
 * redaction step, so no message, log line or output can print them. Returns the values for the
 * runner's own masking.
 */
export function registerWebhookSecrets(targets: WebhookTargets): string[] {
  const values = registerRpcUrl(targets.slackWebhookUrl);
  const key = targets.pagerDutyRoutingKey?.trim();
  if (key && registerSecret(key)) values.push(key);
  return values;
}

/** `fetch` with a timeout, as the default PostJson. */
export function fetchPost(timeoutMs = 10_000): PostJson {
  return async (url, body) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  };
}

async function deliver(
  channel: ChannelOutcome['channel'],
  post: PostJson,
  url: string,
  body: unknown,
): Promise<ChannelOutcome> {
  try {
    const { status, text } = await post(url, body);
    if (status >= 200 && status < 300) return { channel, sent: true };
    return {
      channel,
      sent: false,
      problem: redact(`${channel} answered HTTP ${status}: ${text.slice(0, 200)}`),
    };
  } catch (error) {
    return { channel, sent: false, problem: redact(`${channel}: ${errorMessage(error)}`) };
  }
}

/**
 * Sends the alert to every configured webhook, each on its own: one failing never stops the
 * other, and nothing here throws (the caller warns with the outcomes; alerting must not fail the
 * job that alerts). Channels not configured are left out of the outcomes.
 */
export async function sendToWebhooks(
  alert: Alert,
  targets: WebhookTargets,
  post: PostJson,
): Promise<ChannelOutcome[]> {
  registerWebhookSecrets(targets);
  const sends: Promise<ChannelOutcome>[] = [];
  const slack = targets.slackWebhookUrl?.trim();
  if (slack) sends.push(deliver('slack', post, slack, slackPayload(alert)));
  const key = targets.pagerDutyRoutingKey?.trim();
  if (key) {
    const url = targets.pagerDutyUrl?.trim() || PAGERDUTY_EVENTS_URL;
    sends.push(deliver('pagerduty', post, url, pagerDutyEvent(alert, key)));
  }
  return Promise.all(sends);
}
