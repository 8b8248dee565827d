import { OperationError } from '../../errors.js';
import { alertingSetup, webhookTargetsFrom } from '../../jobs/alert-channels.js';
import { core } from './core.js';

/**
 * What the alert and drift actions share: the webhook inputs (masked in the runner's log and
 * registered for redaction before anything else), the GitHub APIs of this repository, and this
 * run. `NOMAD_ALERT_PAGERDUTY_URL` overrides PagerDuty's address (a proxy, or the tests' server).
 */
export function alertingFromInputs() {
  const pagerDutyUrl = webhookTargetsFrom(process.env).pagerDutyUrl;
  const setup = alertingSetup({
    targets: {
      slackWebhookUrl: core.getInput('slack-webhook-url').trim(),
      pagerDutyRoutingKey: core.getInput('pagerduty-routing-key').trim(),
      ...(pagerDutyUrl ? { pagerDutyUrl } : {}),
    },
    repository: process.env.GITHUB_REPOSITORY ?? '',
    token: core.getInput('github-token'),
    commentAuthor: core.getInput('comment-author'),
    warn: (m) => core.warning(m),
    info: (m) => core.info(m),
    mask: (v) => core.setSecret(v),
  });
  const { issues } = setup.channels;
  if (!issues || !setup.runs)
    throw new OperationError('no github-token: the tracking issue needs one');
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = process.env.GITHUB_RUN_ID ?? '';
  return {
    ...setup,
    issues,
    runs: setup.runs,
    run: { id: runId, url: `${server}/${setup.repository}/actions/runs/${runId}` },
  };
}
