import type { AwsClients } from '../aws/clients.js';
import type { ResolvedEnvironment } from '../config/model.js';
import type { IssuesApi } from '../github/issues.js';
import { closeTrackingIssue, setTrackingIssue, type SetAction } from '../github/tracking.js';
import { runbookUrl } from '../notify/catalog.js';
import type { Alert } from '../notify/message.js';
import {
  driftFindings,
  renderDriftIssue,
  type EnvironmentPlan,
  type Finding,
} from '../report/drift.js';
import { iamPlanJsonSchema, keysPlanJsonSchema } from '../report/plan-json.js';
import { bucketJob, iamJob } from './iam.js';
import { ALERT_LABELS, alertMarker, deliverAlert, type AlertChannels } from './alert.js';
import { keysJob } from './keys.js';
import { readIamPlan, readKeysPlan, type PlanInputText, type ReadFile } from './plan-inputs.js';
import { OperationError } from '../errors.js';

/**
 * Plans keys, IAM and the bucket of an environment (reading only) as the apply workflow's plan
 * job does: the OIDC roles are compared but left to the administrator (bootstrap false).
 */
export async function planEnvironment(
  env: ResolvedEnvironment,
  clients: AwsClients,
  repository?: string,
): Promise<{ plan: EnvironmentPlan; console: string[] }> {
  const keys = await keysJob(env, clients, 'plan');
  const iam = await iamJob(env, clients, {
    mode: 'plan',
    bootstrap: false,
    ...(repository ? { repository } : {}),
  });
  const bucket = await bucketJob(env, clients, 'plan');
  return {
    plan: {
      keys: keysPlanJsonSchema.parse(keys.json),
      iam: iamPlanJsonSchema.parse(JSON.parse(iam.json)),
      bucket: iamPlanJsonSchema.parse(JSON.parse(bucket.json)),
    },
    console: [keys.console, iam.console, bucket.console],
  };
}

/** The channels without the issue: the drift issue itself is the tracking issue. */
function webhooksOnly(channels: AlertChannels): AlertChannels {
  const { issues: _issues, ...rest } = channels;
  return rest;
}

export interface DriftOutcome {
  findings: Finding[];
  issue?: { number: number; url: string; action: SetAction | 'closed' };
  alerted: boolean;
}

/**
 * Keeps one tracking issue per environment in step with its findings: opened or updated (and
 * alerted) when they change, left alone while they stay the same, closed once the environment
 * is clean (and a PagerDuty incident resolved).
 */
export async function trackDrift(
  environment: string,
  findings: Finding[],
  issues: IssuesApi,
  channels: AlertChannels,
  base: { repository: string; run?: { id: string; url: string } },
): Promise<DriftOutcome> {
  const tracking = {
    label: ALERT_LABELS.drift,
    marker: alertMarker('drift', environment),
    title: `Drift in ${environment}: the environment differs from main`,
    botLogin: channels.botLogin,
  };
  const alert: Alert = {
    name: 'DriftFound',
    environment,
    repository: base.repository,
    ...(base.run ? { run: base.run } : {}),
    what: [],
    action: 'trigger',
  };
  if (findings.length === 0) {
    const closed = await closeTrackingIssue(
      issues,
      tracking,
      `${environment} is clean: the scheduled plan ${base.run?.url ?? ''} found nothing to do. Closing.`,
    );
    if (!closed) return { findings, alerted: false };
    await deliverAlert(
      { ...alert, action: 'resolve', what: [`${environment} is clean again`] },
      webhooksOnly(channels),
      'resolved',
    );
    return {
      findings,
      issue: { number: closed.number, url: closed.url, action: 'closed' },
      alerted: true,
    };
  }
  const body = renderDriftIssue(environment, findings, runbookUrl('DriftFound', base.repository));
  const set = await setTrackingIssue(issues, tracking, body);
  const issue = { number: set.issue.number, url: set.issue.url, action: set.action };
  if (set.action === 'unchanged') return { findings, issue, alerted: false };
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  const what = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  await deliverAlert(
    {
      ...alert,
      what: [
        `${what}: ${set.issue.url}`,
        ...findings.slice(0, 5).map((f) => `${f.subject}: ${f.reason}`),
      ],
    },
    webhooksOnly(channels),
    'drift',
  );
  return { findings, issue, alerted: true };
}

export { driftFindings };

/**
 * The drift check of the workflow: the three plans the plan actions wrote (JSON or files), their
 * findings, and the tracking issue kept in step. A plan missing (its step failed before writing
 * it) is an error: a clean verdict needs every part.
 */
export async function driftFromPlanInputs(
  environment: string,
  inputs: { keys: string; iam: string; bucket: string },
  readFile: ReadFile,
  issues: IssuesApi,
  channels: AlertChannels,
  base: { repository: string; run?: { id: string; url: string } },
): Promise<DriftOutcome & { markdown: string }> {
  const plan: EnvironmentPlan = {};
  const keys = readKeysPlan(text('keys-json', inputs.keys), readFile);
  const iam = readIamPlan(text('iam-json', inputs.iam), readFile);
  const bucket = readIamPlan(text('bucket-json', inputs.bucket), readFile);
  if (!keys || !iam || !bucket) {
    throw new OperationError(
      `the plan of ${environment} is incomplete (${[!keys && 'keys-json', !iam && 'iam-json', !bucket && 'bucket-json'].filter(Boolean).join(', ')} missing): a plan step failed before writing it; see its log. The tracking issue is left as it was.`,
    );
  }
  Object.assign(plan, { keys, iam, bucket });
  const findings = driftFindings(plan);
  const outcome = await trackDrift(environment, findings, issues, channels, base);
  const markdown =
    findings.length === 0
      ? `### Drift check of ${environment}\n\nClean: nothing differs from main.`
      : `### Drift check of ${environment}\n\n${renderDriftIssue(environment, findings, runbookUrl('DriftFound', base.repository))}`;
  return { ...outcome, markdown };
}

const text = (name: string, value: string): PlanInputText | undefined =>
  value.trim() ? { name, text: value } : undefined;
