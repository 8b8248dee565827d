import { readFileSync } from 'node:fs';
import path from 'node:path';
import { context } from '@actions/github';
import { githubClient, isWriteDenied, repositoryOf } from '../github/client.js';
import { commentBotLogin, octokitComments, upsertMarkedComment } from '../github/comments.js';
import { pullRequestOfCommit } from '../github/pulls.js';
import {
  commentMarker,
  renderComment,
  renderReport,
  reportSections,
  type CommentKind,
  type ReportPlans,
} from '../report/comment.js';
import { hasPlans, parsePlanInput, planFile } from '../report/plan-hash.js';
import type { KeysJson } from '../report/keys.js';
import { getChoiceInput } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { runAction } from './support/run.js';
import { redact } from '../redact.js';
import { core } from './support/core.js';

/** GitHub does not show a step summary above 1 MiB. */
const SUMMARY_LIMIT = 1024 * 1024;

function runUrl(): string | undefined {
  const server = process.env.GITHUB_SERVER_URL;
  const repository = process.env.GITHUB_REPOSITORY;
  const run = process.env.GITHUB_RUN_ID;
  return server && repository && run ? `${server}/${repository}/actions/runs/${run}` : undefined;
}

function readPlans(): ReportPlans {
  const json = (name: string) => parsePlanInput(name, core.getInput(name), readWorkspaceFile);
  const markdown = {
    keys: core.getInput('keys-markdown'),
    iam: core.getInput('iam-markdown'),
    bucket: core.getInput('bucket-markdown'),
    keymaster: core.getInput('keymaster-markdown'),
  };
  return {
    keys: json('keys-json') as KeysJson | undefined,
    iam: json('iam-json') as ReportPlans['iam'],
    bucket: json('bucket-json') as ReportPlans['bucket'],
    keymaster: json('keymaster-json'),
    markdown: Object.fromEntries(Object.entries(markdown).filter(([, v]) => v !== '')),
    offline: core.getInput('offline-plan') || undefined,
  };
}

/** The pull request to comment on: the input, the event's, or (on push) the merged one of the commit applied. */
async function pullRequestNumber(
  octokit: ReturnType<typeof githubClient>,
): Promise<number | undefined> {
  const given = core.getInput('pull-request');
  if (given) {
    const n = Number(given);
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`pull-request is "${given}", expected a number`);
    return n;
  }
  const fromEvent = context.payload.pull_request?.number;
  if (typeof fromEvent === 'number') return fromEvent;
  const sha = core.getInput('commit') || context.sha;
  if (!sha) return undefined;
  const { owner, repo } = repositoryOf(process.env.GITHUB_REPOSITORY);
  return (await pullRequestOfCommit(octokit, owner, repo, sha))?.number;
}

/** A plan file named by an input, relative to the workspace. */
function readWorkspaceFile(file: string): string {
  return readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8');
}

await runAction(async () => {
  const environment = core.getInput('environment', { required: true });
  const kind: CommentKind = getChoiceInput('kind', ['plan', 'applied'] as const);
  const plans = readPlans();
  const environmentPlans = {
    environment,
    keys: plans.keys,
    iam: plans.iam,
    bucket: plans.bucket,
  };
  const commit = core.getInput('commit') || context.sha;
  const file = hasPlans(environmentPlans) ? planFile(environmentPlans, commit) : undefined;
  const hash = file?.sha256;
  const input = {
    kind,
    environment,
    ...(hash ? { planHash: hash } : {}),
    ...(runUrl() ? { runUrl: runUrl() as string } : {}),
    ...(commit ? { commit: commit.slice(0, 7) } : {}),
    notes: plans.offline
      ? [
          '⚠️ Offline plan: no AWS credentials could be had, so this shows what the environment wants, not what changes.',
        ]
      : [],
    sections: reportSections(plans),
  };

  core.setOutput('plan-hash', hash ?? '');
  // The complete plan, for the apply workflow's artifact: the gated job's guard compares with it.
  if (file) setJsonOutput('plan', environment, JSON.stringify(file, null, 2));
  const full = renderReport(input);
  if (Buffer.byteLength(full) > SUMMARY_LIMIT) {
    core.warning(
      `the report is ${Buffer.byteLength(full)} bytes; GitHub shows job summaries up to 1 MiB`,
    );
  }
  await core.summary.addRaw(full).write();
  if (hash) core.info(`plan sha256 of ${environment}: ${hash}`);

  if (!core.getBooleanInput('comment')) return;
  const octokit = githubClient(core.getInput('github-token'));
  const number = await pullRequestNumber(octokit);
  if (number === undefined) {
    core.notice(
      `no pull request to comment on for this ${context.eventName || 'run'}; the report is in the job summary`,
    );
    return;
  }
  const { owner, repo } = repositoryOf(process.env.GITHUB_REPOSITORY);
  const marker = commentMarker(kind, environment);
  try {
    const { comment, action } = await upsertMarkedComment(
      octokitComments(octokit),
      { owner, repo, issueNumber: number },
      marker,
      redact(renderComment(input)),
      commentBotLogin(core.getInput('comment-author')),
    );
    core.setOutput('comment-id', String(comment.id));
    core.setOutput('comment-url', comment.url);
    core.info(`${action} the ${kind} comment of ${environment} on #${number}: ${comment.url}`);
  } catch (error) {
    if (!isWriteDenied(error)) throw error;
    // Fork pull requests get a read-only token: the summary is the report.
    core.notice(
      `could not comment on #${number} (the token may only read, as on pull requests from forks); the ${kind} of ${environment} is in the job summary`,
    );
  }
});
