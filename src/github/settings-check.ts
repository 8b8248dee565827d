import { denied, SETUP, type Finding, type FindingArea } from './settings-finding.js';
import { codeownersFindings, mainFindings } from './settings-main.js';
import { oidcFindings } from './settings-oidc.js';
import type {
  EnvironmentSettings,
  ExpectedSettings,
  RepositorySettings,
} from './settings-types.js';
export function checkRepositorySettings(
  settings: RepositorySettings,
  expected: ExpectedSettings,
): Finding[] {
  return [
    ...repositoryFindings(settings),
    ...productionFindings(settings),
    ...settings.keymaster.flatMap((k) => keymasterFindings(settings.repository, k)),
    ...settings.environments.flatMap((e) => mainOnlyFindings(settings.repository, e)),
    ...expected.unresolved.map(unresolvedFinding),
    ...mainFindings(settings),
    ...codeownersFindings(settings),
    ...oidcFindings(settings, expected),
  ];
}

export const failed = (findings: Finding[]) => findings.some((f) => f.severity === 'problem');

function repositoryFindings(s: RepositorySettings): Finding[] {
  if (s.repo.status === 'ok') return [];
  if (s.repo.status === 'missing') {
    return [
      {
        area: 'repository',
        subject: s.repository,
        severity: 'problem',
        problem: 'GitHub answered 404: no such repository, or the token cannot see it',
        fix: 'check --repo (owner/name) and that GITHUB_TOKEN has access to the repository',
      },
    ];
  }
  return [denied('repository', s.repository, s.repo, 'the repository', 'Metadata: read')];
}

const ENVIRONMENT_PERMISSION = 'Environments: read, or Administration: read';

function environmentPut(repository: string, name: string, body: string) {
  return `gh api -X PUT repos/${repository}/environments/${name} --input docs/github/${body}`;
}

/** Deployment branches: exactly `main`. */
function branchFindings(
  repository: string,
  env: EnvironmentSettings,
  area: FindingArea,
  body: string,
): Finding[] {
  const subject = `environment ${env.name}`;
  if (env.environment.status !== 'ok') return [];
  const policy = env.environment.data.deployment_branch_policy;
  const fix = `${environmentPut(repository, env.name, body)} && gh api -X POST repos/${repository}/environments/${env.name}/deployment-branch-policies -f name=main -f type=branch (and delete any other branch or tag policy)`;
  const problem = (text: string): Finding[] => [
    { area, subject, severity: 'problem', problem: text, fix },
  ];
  if (policy === null || policy === undefined) {
    return problem('deploys from any branch (no deployment branch policy)');
  }
  if (policy.protected_branches) {
    return problem(
      'deploys from every protected branch, not only main (deployment branches: "Protected branches only")',
    );
  }
  if (!policy.custom_branch_policies) return problem('deploys from any branch');
  const read = env.branchPolicies;
  if (!read || read.status === 'missing') {
    return problem('its deployment branch policies could not be found');
  }
  if (read.status === 'denied') {
    return [denied(area, subject, read, 'its deployment branch policies', ENVIRONMENT_PERMISSION)];
  }
  const others = read.data.filter((p) => !(p.name === 'main' && (p.type ?? 'branch') === 'branch'));
  if (others.length > 0) {
    return problem(
      `deploys from other refs than main: ${others.map((p) => `${p.type ?? 'branch'} "${p.name}"`).join(', ')}`,
    );
  }
  if (read.data.length === 0) return problem('no branch may deploy: main is not in its policies');
  return [];
}

function missingEnvironment(
  repository: string,
  env: EnvironmentSettings,
  area: FindingArea,
  body: string,
): Finding[] {
  const subject = `environment ${env.name}`;
  if (env.environment.status === 'missing') {
    return [
      {
        area,
        subject,
        severity: 'problem',
        problem:
          'does not exist; the first workflow run that names it creates it with no protection at all',
        fix: `${environmentPut(repository, env.name, body)}, then its deployment branch policy (see ${SETUP})`,
      },
    ];
  }
  if (env.environment.status === 'denied') {
    return [denied(area, subject, env.environment, 'it', ENVIRONMENT_PERMISSION)];
  }
  return [];
}

function productionFindings(s: RepositorySettings): Finding[] {
  const env = s.production;
  const body = 'production-environment.json (with your reviewers)';
  const missing = missingEnvironment(s.repository, env, 'production', body);
  if (missing.length > 0 || env.environment.status !== 'ok') return missing;
  const data = env.environment.data;
  const subject = `environment ${env.name}`;
  const findings: Finding[] = [];
  const add = (problem: string, fix: string) =>
    findings.push({ area: 'production', subject, severity: 'problem', problem, fix });
  const put = environmentPut(s.repository, env.name, body);
  const reviewers = (data.protection_rules ?? []).find((r) => r.type === 'required_reviewers');
  if (!reviewers || (reviewers.reviewers ?? []).length === 0) {
    add(
      'has no required reviewers: production applies run without anyone approving them',
      `${put} (reviewers by numeric user or team id; private repositories need a GitHub plan that offers required reviewers)`,
    );
  } else if (reviewers.prevent_self_review !== true) {
    add(
      'allows self-review: whoever triggered the run may approve it alone (prevent_self_review is false)',
      `${put} (it sets "prevent_self_review": true)`,
    );
  }
  if (data.can_admins_bypass !== false) {
    add(
      `lets administrators bypass the required reviewers (can_admins_bypass is ${data.can_admins_bypass ?? 'not set, which GitHub takes as true'})`,
      `${put} (it sets "can_admins_bypass": false)`,
    );
  }
  findings.push(...branchFindings(s.repository, env, 'production', body));
  return findings;
}

function keymasterFindings(repository: string, env: EnvironmentSettings): Finding[] {
  const body = 'keymaster-environment.json';
  const missing = missingEnvironment(repository, env, 'keymaster', body);
  if (missing.length > 0 || env.environment.status !== 'ok') return missing;
  const findings: Finding[] = [];
  const reviewers = (env.environment.data.protection_rules ?? []).find(
    (r) => r.type === 'required_reviewers',
  );
  if (reviewers && (reviewers.reviewers ?? []).length > 0) {
    findings.push({
      area: 'keymaster',
      subject: `environment ${env.name}`,
      severity: 'problem',
      problem:
        'requires reviewers: scheduled Keymaster runs would wait for an approval forever and wallets go unfunded',
      fix: `${environmentPut(repository, env.name, body)} (it has no reviewers; the deployment branch rule is the Keymaster's gate)`,
    });
  }
  if (env.environment.data.can_admins_bypass !== false) {
    // the branch rule is this environment's only gate; a bypass runs any branch's code with the
    // Keymaster role, which signs with the bank
    findings.push({
      area: 'keymaster',
      subject: `environment ${env.name}`,
      severity: 'problem',
      problem: `lets administrators bypass its deployment branch rule (can_admins_bypass is ${env.environment.data.can_admins_bypass ?? 'not set, which GitHub takes as true'}): code of any branch could sign with the bank`,
      fix: `${environmentPut(repository, env.name, body)} (it sets "can_admins_bypass": false)`,
    });
  }
  findings.push(...branchFindings(repository, env, 'keymaster', body));
  return findings;
}

/**
 * Any other environment a workflow names (staging's apply role, a settings token's environment):
 * its secrets and its OIDC subject go to whichever branch may deploy to it, so only `main` may.
 */
function mainOnlyFindings(repository: string, env: EnvironmentSettings): Finding[] {
  const body = 'main-only-environment.json';
  const missing = missingEnvironment(repository, env, 'environments', body);
  if (missing.length > 0 || env.environment.status !== 'ok') return missing;
  return branchFindings(repository, env, 'environments', body);
}

function unresolvedFinding(u: ExpectedSettings['unresolved'][number]): Finding {
  return {
    area: 'environments',
    subject: u.job,
    severity: 'problem',
    problem: `names environment "${u.value}", which cannot be told from the workflow file (${u.reason}), so its settings go unchecked`,
    fix: 'name the environment literally, through a literal matrix, or through a choice input',
  };
}
