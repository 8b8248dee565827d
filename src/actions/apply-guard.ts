import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decideApply } from '../github/guard.js';
import { parsePlanInput, type EnvironmentPlans } from '../report/plan-hash.js';
import { runAction } from './support/run.js';
import { core } from './support/core.js';

/** A plan file named by an input, relative to the workspace. */
function readWorkspaceFile(file: string): string {
  return readFileSync(path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file), 'utf8');
}

/** The approved plan file (the plan job's artifact); undefined when the input is empty. */
function approvedPlan(): (EnvironmentPlans & { commit?: string }) | undefined {
  const parsed = parsePlanInput('approved-plan', core.getInput('approved-plan'), readWorkspaceFile);
  if (parsed === undefined) return undefined;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(
      'approved-plan is not a plan file (a JSON object written by the report action)',
    );
  }
  const file = parsed as Record<string, unknown>;
  return {
    environment: String(file.environment ?? ''),
    ...(typeof file.commit === 'string' ? { commit: file.commit } : {}),
    ...(file.keys !== undefined ? { keys: file.keys } : {}),
    ...(file.iam !== undefined ? { iam: file.iam } : {}),
    ...(file.bucket !== undefined ? { bucket: file.bucket } : {}),
  };
}

await runAction(async () => {
  const environment = core.getInput('environment', { required: true });
  const json = (name: string) => parsePlanInput(name, core.getInput(name), readWorkspaceFile);
  const current: EnvironmentPlans = {
    environment,
    keys: json('keys-json'),
    iam: json('iam-json'),
    bucket: json('bucket-json'),
  };
  const decision = decideApply({ environment, current, approved: approvedPlan() });
  core.setOutput('plan-hash', decision.currentHash ?? '');
  core.setOutput('approved-hash', decision.approvedHash ?? '');
  await core.summary
    .addRaw(
      `### Apply guard — \`${environment}\`\n\n${decision.ok ? '✅' : '⛔'} ${decision.message}\n`,
    )
    .write();
  if (!decision.ok) throw new Error(decision.message);
  core.info(decision.message);
});
