import { githubClient, repositoryOf } from '../github/client.js';
import { commentBotLogin } from '../github/comments.js';
import { octokitIssues } from '../github/issues.js';
import { octokitRuns, type RunsApi } from '../github/runs.js';
import { fetchPost, registerWebhookSecrets, type WebhookTargets } from '../notify/send.js';
import type { AlertChannels } from './alert.js';

/** The variables the CLI reads webhooks from (the workflows pass the secrets of the same names). */
export const WEBHOOK_ENV = {
  slack: 'NOMAD_ALERT_SLACK_WEBHOOK_URL',
  pagerDuty: 'NOMAD_ALERT_PAGERDUTY_ROUTING_KEY',
  /** PagerDuty's address, for a proxy or a test server (default events.pagerduty.com). */
  pagerDutyUrl: 'NOMAD_ALERT_PAGERDUTY_URL',
} as const;

export interface AlertingSetup {
  repository: string;
  channels: AlertChannels;
  runs?: RunsApi;
}

/**
 * The channels of an alert from plain settings: the webhooks (registered for redaction first,
 * and returned for the runner's masking), and GitHub's API for the tracking issue and runs when
 * a token is given.
 */
export function alertingSetup(options: {
  targets: WebhookTargets;
  repository: string;
  token?: string;
  apiUrl?: string;
  commentAuthor?: string;
  warn: (m: string) => void;
  info: (m: string) => void;
  mask?: (value: string) => void;
}): AlertingSetup {
  for (const value of registerWebhookSecrets(options.targets)) options.mask?.(value);
  const { owner, repo } = repositoryOf(options.repository);
  const octokit = options.token ? githubClient(options.token, options.apiUrl) : undefined;
  return {
    repository: options.repository,
    channels: {
      ...(octokit ? { issues: octokitIssues(octokit, owner, repo) } : {}),
      botLogin: commentBotLogin(options.commentAuthor),
      targets: options.targets,
      post: fetchPost(),
      warn: options.warn,
      info: options.info,
    },
    ...(octokit ? { runs: octokitRuns(octokit, owner, repo) } : {}),
  };
}

/** The webhooks named by the variables of WEBHOOK_ENV. */
export function webhookTargetsFrom(vars: NodeJS.ProcessEnv): WebhookTargets {
  return {
    ...(vars[WEBHOOK_ENV.slack]?.trim()
      ? { slackWebhookUrl: vars[WEBHOOK_ENV.slack]!.trim() }
      : {}),
    ...(vars[WEBHOOK_ENV.pagerDuty]?.trim()
      ? { pagerDutyRoutingKey: vars[WEBHOOK_ENV.pagerDuty]!.trim() }
      : {}),
    ...(vars[WEBHOOK_ENV.pagerDutyUrl]?.trim()
      ? { pagerDutyUrl: vars[WEBHOOK_ENV.pagerDutyUrl]!.trim() }
      : {}),
  };
}
