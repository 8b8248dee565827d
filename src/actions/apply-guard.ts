import { readFileSync } from 'node:fs';
import path from 'node:path';
import { context } from '@actions/github';
import { githubClient, repositoryOf } from '../github/client.js';
import { commentBotLogin, findMarkedComment, octokitComments } from '../github/comments.js';
import { decideApply } from '../github/guard.js';
import { pullRequestOfCommit } from '../github/pulls.js';
import { commentMarker, readPlanHash } from '../report/comment.js';
import {
  parsePlanInput,
  planHash,
  planWrites,
  type EnvironmentPlans,
} from '../report/plan-hash.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

/** The approved hash and where it came from: the input, or the merged pull request's comment. */
async function approvedHash(
  environment: string,
): Promise<{ hash?: string; from: string; pr?: number }> {
  const given = core.getInput('approved-hash').trim().toLowerCase();
  if (given) return { hash: given, from: 'the approved-hash input' };
  const sha = core.getInput('sha') || context.sha;
  const { owner, repo } = repositoryOf(process.env.GITHUB_REPOSITORY);
  const octokit = githubClient(core.getInput('github-token'));
  const pr = await pullRequestOfCommit(octokit, owner, repo, sha);
  if (!pr) return { from: `any merged pull request of commit ${sha.slice(0, 7)}` };
  const comment = await findMarkedComment(
    octokitComments(octokit),
    { owner, repo, issueNumber: pr.number },
    commentMarker('plan', environment),
    commentBotLogin(core.getInput('comment-author')),
  );
  const from = `the ${environment} plan comment on #${pr.number}`;
  const hash = comment ? readPlanHash(comment.body, environment) : undefined;
  return { ...(hash ? { hash } : {}), from, pr: pr.number };
}

/** A plan file named by an input, relative to the workspace. */
function readWorkspaceFile(file: string): string {
  return readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8');
}

await runAction(async () => {
  const environment = core.getInput('environment', { required: true });
  const json = (name: string) => parsePlanInput(name, core.getInput(name), readWorkspaceFile);
  const plans: EnvironmentPlans = {
    environment,
    keys: json('keys-json'),
    iam: json('iam-json'),
    bucket: json('bucket-json'),
  };
  const currentHash = planHash(plans);
  const approved = await approvedHash(environment);
  core.setOutput('plan-hash', currentHash);
  core.setOutput('approved-hash', approved.hash ?? '');
  core.setOutput('pull-request', approved.pr ? String(approved.pr) : '');
  const decision = decideApply({
    environment,
    currentHash,
    approvedHash: approved.hash,
    approvedFrom: approved.from,
    writes: planWrites(plans),
  });
  await core.summary
    .addRaw(
      `### Apply guard — \`${environment}\`\n\n${decision.ok ? '✅' : '⛔'} ${decision.message}\n`,
    )
    .write();
  if (!decision.ok) throw new Error(decision.message);
  core.info(decision.message);
});
