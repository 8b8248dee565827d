import { environmentOfJob, type RunJob, type WorkflowRun } from '../github/runs.js';
import type { Alert } from './message.js';

/** Which workflow's jobs are judged: the Keymaster's or the apply's. */
export type WatchedWorkflow = 'keymaster' | 'apply';

const BAD = new Set(['failure', 'cancelled', 'timed_out', 'startup_failure']);

function whatFailed(job: RunJob): string {
  const step = job.steps.find((s) => s.conclusion && BAD.has(s.conclusion));
  const how =
    job.conclusion === 'cancelled'
      ? 'was cancelled'
      : job.conclusion === 'timed_out'
        ? 'timed out'
        : 'failed';
  return step ? `job "${job.name}" ${how} at step "${step.name}"` : `job "${job.name}" ${how}`;
}

/**
 * The alerts a run's finished jobs call for, one per environment: the jobs that failed, timed
 * out or were cancelled, each with the step where it stopped. Jobs still running (the alerting
 * job itself) and skipped jobs say nothing. A failure wins over a cancellation in one environment.
 */
export function alertsOfRun(
  workflow: WatchedWorkflow,
  jobs: RunJob[],
  base: { repository: string; run: { id: string; url: string }; fallbackEnvironment: string },
): Alert[] {
  const byEnvironment = new Map<string, RunJob[]>();
  for (const job of jobs) {
    if (!job.conclusion || !BAD.has(job.conclusion)) continue;
    const environment = environmentOfJob(job.name) ?? base.fallbackEnvironment;
    byEnvironment.set(environment, [...(byEnvironment.get(environment) ?? []), job]);
  }
  return [...byEnvironment].map(([environment, bad]) => {
    const failed = bad.some((j) => j.conclusion !== 'cancelled');
    return {
      name:
        workflow === 'apply'
          ? 'ApplyFailed'
          : failed
            ? 'KeymasterRunFailed'
            : 'KeymasterRunCancelled',
      environment,
      repository: base.repository,
      run: base.run,
      what: bad.map(whatFailed),
      action: 'trigger',
    } satisfies Alert;
  });
}

export interface LastSuccess {
  environment: string;
  /** When the environment's last successful Keymaster job finished; undefined: none found. */
  at?: string;
  run?: WorkflowRun;
}

/**
 * Whether each environment's last successful run is older than `staleAfterSeconds` at `now`.
 * A success not found among the runs read is stale too.
 */
export function staleAlerts(
  lastSuccess: LastSuccess[],
  now: Date,
  staleAfterSeconds: number,
  base: { repository: string; run?: { id: string; url: string }; intervalSeconds: number },
): { alerts: Alert[]; fresh: string[] } {
  const alerts: Alert[] = [];
  const fresh: string[] = [];
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  for (const s of lastSuccess) {
    const age = s.at ? (now.getTime() - Date.parse(s.at)) / 1000 : Infinity;
    if (age <= staleAfterSeconds) {
      fresh.push(s.environment);
      continue;
    }
    const last = s.at
      ? `the last successful run of ${s.environment} finished ${s.at} (${minutes(age)} ago): ${s.run?.url ?? ''}`
      : `no successful run of ${s.environment} among the Keymaster's recent runs`;
    alerts.push({
      name: 'KeymasterRunStale',
      environment: s.environment,
      repository: base.repository,
      ...(base.run ? { run: base.run } : {}),
      what: [
        last.trim(),
        `the schedule runs every ${minutes(base.intervalSeconds)}; stale after ${minutes(staleAfterSeconds)} (three intervals)`,
      ],
      action: 'trigger',
    });
  }
  return { alerts, fresh };
}
