import type { GithubClient } from './client.js';

/** A workflow run, as the watchdog and the alert job read it. */
export interface WorkflowRun {
  id: number;
  url: string;
  event: string;
  status: string;
  conclusion: string | null;
  createdAt: string;
}

/** A job of a run and its steps. */
export interface RunJob {
  name: string;
  status: string;
  conclusion: string | null;
  completedAt: string | null;
  url: string;
  steps: { name: string; conclusion: string | null }[];
}

/** The Actions calls the watchdog and the alert job need. */
export interface RunsApi {
  /** The workflow's most recent runs on `branch`, newest first (at most `count`). */
  recentRuns(workflowFile: string, branch: string, count: number): Promise<WorkflowRun[]>;
  /** Every job of a run (every attempt's latest). */
  jobsOf(runId: number): Promise<RunJob[]>;
}

export function octokitRuns(octokit: GithubClient, owner: string, repo: string): RunsApi {
  return {
    async recentRuns(workflowFile, branch, count) {
      const { data } = await octokit.rest.actions.listWorkflowRuns({
        owner,
        repo,
        workflow_id: workflowFile,
        branch,
        per_page: Math.min(count, 100),
      });
      return data.workflow_runs.map((r) => ({
        id: r.id,
        url: r.html_url,
        event: r.event,
        status: r.status ?? '',
        conclusion: r.conclusion ?? null,
        createdAt: r.created_at,
      }));
    },
    async jobsOf(runId) {
      const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
        owner,
        repo,
        run_id: runId,
        filter: 'latest',
        per_page: 100,
      });
      return jobs.map((j) => ({
        name: j.name,
        status: j.status,
        conclusion: j.conclusion ?? null,
        completedAt: j.completed_at ?? null,
        url: j.html_url ?? '',
        steps: (j.steps ?? []).map((s) => ({ name: s.name, conclusion: s.conclusion ?? null })),
      }));
    },
  };
}

/** The environment a job name carries in parentheses: `keymaster (staging)` → `staging`. */
export function environmentOfJob(name: string): string | undefined {
  return /\(([\w-]+)\)\s*$/.exec(name)?.[1];
}
