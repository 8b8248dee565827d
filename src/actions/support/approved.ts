import type { AwsClients } from '../../aws/clients.js';
import type { ResolvedEnvironment } from '../../config/model.js';
import { OperationError } from '../../errors.js';
import { approvedStatus } from '../../jobs/funding-approved.js';
import { ApprovalMetrics } from '../../keymaster/service/approval-metrics.js';
import { runnableCommit } from '../../plan/funding/funding.js';
import { approvedJson, pendingLine, renderApprovedMarkdown } from '../../report/approved.js';
import { errorText } from '../../redact.js';
import { core } from './core.js';

/**
 * The keymaster action's `approved` mode: reads the record (with the plan role in keymaster.yml), says in the
 * job summary what is approved and what awaits approval (and pushes the pending gauges), and
 * outputs the commit to run, only when it is on the checked-out history (main's, in the
 * workflow); otherwise it fails and says why.
 */
export async function approvedMode(
  env: ResolvedEnvironment,
  clients: AwsClients,
  pushgatewayUrl: string,
): Promise<void> {
  const status = await approvedStatus(env, clients);
  const verdict = runnableCommit(status);
  core.setOutput('approved-json', approvedJson(status));
  core.setOutput('pending', String(status.pending !== null));
  await core.summary.addRaw(renderApprovedMarkdown(status) + '\n').write();
  if (status.pending) core.warning(`${env.name}: ${pendingLine(status.pending)}`);
  if (pushgatewayUrl) {
    const metrics = new ApprovalMetrics(env.name);
    metrics.observePending(status.pending);
    try {
      await metrics.push(pushgatewayUrl);
    } catch (error) {
      core.warning(`${errorText(error)}; the pending change is in the job summary`);
    }
  }
  if ('refused' in verdict) throw new OperationError(`Keymaster ${env.name}: ${verdict.refused}`);
  core.setOutput('commit', verdict.commit);
  core.setOutput('settings-sha256', status.record?.sha256 ?? '');
  core.setOutput('recorded-at', status.record?.recordedAt ?? '');
  core.info(`${env.name}: running the approved commit ${verdict.commit}`);
}
