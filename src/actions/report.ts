import { readFileSync } from 'node:fs';
import path from 'node:path';
import { context } from '@actions/github';
import { githubClient, repositoryOf } from '../github/client.js';
import { commentBotLogin, octokitComments } from '../github/comments.js';
import { pullRequestOfCommit } from '../github/pulls.js';
import {
  postReportComment,
  pullRequestToComment,
  reportJob,
  type ReportJobResult,
} from '../jobs/report.js';
import { getChoiceInput } from './support/inputs.js';
import { setJsonOutput } from './support/outputs.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';
import { OperationError } from '../errors.js';

const env = process.env;
/** The `<part>-json` or `<part>-markdown` inputs. */
const inputs = (suffix: 'json' | 'markdown') => ({
  keys: core.getInput(`keys-${suffix}`),
  iam: core.getInput(`iam-${suffix}`),
  bucket: core.getInput(`bucket-${suffix}`),
  keymaster: core.getInput(`keymaster-${suffix}`),
});

await runAction(async () => {
  const environment = core.getInput('environment', { required: true });
  const kind = getChoiceInput('kind', ['plan', 'applied'] as const);
  const report = reportJob({
    environment,
    kind,
    json: inputs('json'),
    markdown: inputs('markdown'),
    offline: core.getInput('offline-plan'),
    commit: core.getInput('commit') || context.sha,
    runUrl:
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    artifact: core.getInput('artifact') || undefined,
    // A plan file named by an input is relative to the workspace.
    readFile: (file) => readFileSync(path.resolve(env.GITHUB_WORKSPACE ?? '.', file), 'utf8'),
  });
  core.setOutput('plan-hash', report.file?.sha256 ?? '');
  // The complete plan, for the apply workflow's artifact: the gated job's guard compares with it.
  if (report.file) setJsonOutput('plan', environment, JSON.stringify(report.file, null, 2));
  if (report.summaryWarning) core.warning(report.summaryWarning);
  await core.summary.addRaw(report.summary).write();
  if (report.file) core.info(`plan sha256 of ${environment}: ${report.file.sha256}`);
  if (core.getBooleanInput('comment')) await comment(report, kind, environment);
  // After the outputs and the comment, so the plan is still uploaded and the preview posted.
  if (report.failures.length > 0) throw new OperationError(report.failures.join('\n'));
});

async function comment(report: ReportJobResult, kind: string, environment: string): Promise<void> {
  const octokit = githubClient(core.getInput('github-token'));
  const { owner, repo } = repositoryOf(env.GITHUB_REPOSITORY);
  const number = await pullRequestToComment({
    given: core.getInput('pull-request'),
    fromEvent: context.payload.pull_request?.number,
    sha: core.getInput('commit') || context.sha,
    ofCommit: async (sha) => (await pullRequestOfCommit(octokit, owner, repo, sha))?.number,
  });
  if (number === undefined) {
    core.notice(
      `no pull request to comment on for this ${context.eventName || 'run'}; the report is in the job summary`,
    );
    return;
  }
  const target = { owner, repo, issueNumber: number };
  const login = commentBotLogin(core.getInput('comment-author'));
  const outcome = await postReportComment(octokitComments(octokit), target, report, login);
  if (!outcome.posted) {
    core.notice(
      `could not comment on #${number} (the token may only read, as on pull requests from forks); the ${kind} of ${environment} is in the job summary`,
    );
    return;
  }
  core.setOutput('comment-id', String(outcome.comment.id));
  core.setOutput('comment-url', outcome.comment.url);
  core.info(
    `${outcome.action} the ${kind} comment of ${environment} on #${number}: ${outcome.comment.url}`,
  );
}
