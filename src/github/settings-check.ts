import { classifySubjectPrefix } from '../config/github-subject.js';
import { ownersOf, parseCodeowners } from './codeowners.js';
import type {
  EnvironmentSettings,
  ExpectedSettings,
  Read,
  RepositorySettings,
  RestBranchProtection,
  RestBranchRule,
} from './settings-types.js';

/**
 * The repository settings the production gate depends on, judged from what the REST API
 * answered. Pure: settings in, findings out. A `problem` fails `github check`; `unknown` says
 * what could not be told and does not.
 */

export type FindingArea =
  'repository' | 'production' | 'keymaster' | 'main' | 'codeowners' | 'oidc';

export interface Finding {
  area: FindingArea;
  /** What the finding is about, e.g. `environment production`. */
  subject: string;
  severity: 'problem' | 'unknown';
  problem: string;
  fix: string;
}

/** The directories a code owner must review: the files, the workflows, the actions, the bundles. */
export const OWNED_DIRECTORIES = ['environments/', '.github/', 'actions/', 'dist/'] as const;
/** Paths probed per directory (CODEOWNERS rules can cover a directory only in part). */
const OWNED_SAMPLES: Record<(typeof OWNED_DIRECTORIES)[number], string[]> = {
  'environments/': ['environments/production.yaml', 'environments/environment.schema.json'],
  '.github/': ['.github/workflows/keymaster.yml', '.github/CODEOWNERS', '.github/dependabot.yml'],
  'actions/': ['actions/keymaster/action.yml', 'actions/apply-guard/action.yml'],
  'dist/': ['dist/keymaster/index.js', 'dist/apply-iam/index.js'],
};

const SETUP = 'docs/github-setup.md';

export function checkRepositorySettings(
  settings: RepositorySettings,
  expected: ExpectedSettings,
): Finding[] {
  return [
    ...repositoryFindings(settings),
    ...productionFindings(settings),
    ...settings.keymaster.flatMap((k) => keymasterFindings(settings.repository, k)),
    ...mainFindings(settings),
    ...codeownersFindings(settings),
    ...oidcFindings(settings, expected),
  ];
}

export const failed = (findings: Finding[]) => findings.some((f) => f.severity === 'problem');

const denied = (
  area: FindingArea,
  subject: string,
  read: Extract<Read<unknown>, { status: 'denied' }>,
  what: string,
  permission: string,
): Finding => ({
  area,
  subject,
  severity: 'problem',
  problem: `could not read ${what}: GitHub answered ${read.httpStatus} (${read.message})`,
  fix: `use a token that may read it (fine-grained: ${permission}; classic: repo scope, as a repository administrator)`,
});

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

/** A ruleset rule on main that requires a reviewed pull request with code-owner review. */
const rulesetRequiresReview = (rules: RestBranchRule[]) =>
  rules.some(
    (r) =>
      r.type === 'pull_request' &&
      (r.parameters?.required_approving_review_count ?? 0) >= 1 &&
      r.parameters?.require_code_owner_review === true,
  );

const classicRequiresReview = (p: RestBranchProtection) =>
  (p.required_pull_request_reviews?.required_approving_review_count ?? 0) >= 1 &&
  p.required_pull_request_reviews?.require_code_owner_reviews === true;

/**
 * Who may skip main's review anyway: bypass actors of the rulesets that require it (either
 * mode skips the review), or administrators when classic protection does not include them.
 */
function bypassFindings(s: RepositorySettings, satisfied: 'ruleset' | 'classic'): Finding[] {
  const subject = 'branch main';
  if (satisfied === 'classic') {
    const classic = s.mainProtection;
    if (classic.status === 'ok' && classic.data.enforce_admins?.enabled !== true) {
      return [
        {
          area: 'main',
          subject,
          severity: 'problem',
          problem:
            'its branch protection does not apply to administrators (enforce_admins is off): they can push without a review',
          fix: `gh api -X POST repos/${s.repository}/branches/main/protection/enforce_admins, or replace the protection with docs/github/main-ruleset.json`,
        },
      ];
    }
    return [];
  }
  // Rules of several rulesets add up: the review stands if one ruleset requiring it has no
  // bypass actors; otherwise whoever its rulesets let bypass can merge without it.
  const rules = s.mainRules.status === 'ok' ? s.mainRules.data : [];
  const ids = [
    ...new Set(
      rules
        .filter((r) => r.ruleset_source_type !== 'Organization' && rulesetRequiresReview([r]))
        .map((r) => r.ruleset_id),
    ),
  ];
  const reads = ids.map((id) => ({
    id,
    read: id === undefined ? undefined : s.mainRulesets?.[id],
  }));
  const known = reads.flatMap(({ read }) =>
    read?.status === 'ok' && read.data.bypass_actors !== undefined
      ? [{ ruleset: read.data, actors: read.data.bypass_actors }]
      : [],
  );
  if (known.some((k) => k.actors.length === 0)) return [];
  if (known.length < reads.length || reads.length === 0) {
    return [
      {
        area: 'main',
        subject,
        severity: 'unknown',
        problem: `who may bypass the ruleset${reads.length === 1 ? '' : 's'} requiring the review could not be read (bypass_actors not in GitHub's answer, or no repository ruleset behind the rule)`,
        fix: 'use a token with Administration: read to see the bypass list',
      },
    ];
  }
  return [
    {
      area: 'main',
      subject,
      severity: 'problem',
      problem: `${known
        .map(
          (k) =>
            `ruleset "${k.ruleset.name}" lets ${k.actors.map((a) => `${a.actor_type}${a.actor_id ? ` ${a.actor_id}` : ''} (${a.bypass_mode ?? 'always'})`).join(', ')} bypass it`,
        )
        .join('; ')}: they can merge without the required review`,
      fix: `gh api -X PUT repos/${s.repository}/rulesets/${known[0]!.ruleset.id} --input docs/github/main-ruleset.json (it has no bypass actors)`,
    },
  ];
}

function mainFindings(s: RepositorySettings): Finding[] {
  const rules = s.mainRules;
  const classic = s.mainProtection;
  if (rules.status === 'ok' && rulesetRequiresReview(rules.data)) {
    return bypassFindings(s, 'ruleset');
  }
  if (classic.status === 'ok' && classicRequiresReview(classic.data)) {
    return bypassFindings(s, 'classic');
  }
  const subject = 'branch main';
  const fix = `gh api -X POST repos/${s.repository}/rulesets --input docs/github/main-ruleset.json (a pull request with one approval and code-owner review; see ${SETUP})`;
  const unread = [rules, classic].filter(
    (r): r is Extract<Read<unknown>, { status: 'denied' }> => r.status === 'denied',
  );
  const partial =
    (rules.status === 'ok' && rules.data.some((r) => r.type === 'pull_request')) ||
    (classic.status === 'ok' && classic.data.required_pull_request_reviews !== undefined);
  const problem = partial
    ? "requires a pull request, but not both an approving review and a code owner's review: anyone who can push can change the workflows, the actions or the bundles that sign with the bank"
    : "has no ruleset or branch protection requiring a reviewed pull request and a code owner's review: anyone who can push can change the workflows, the actions or the bundles that sign with the bank";
  const findings: Finding[] = [{ area: 'main', subject, severity: 'problem', problem, fix }];
  if (unread.length > 0) {
    const what = classic.status === 'denied' ? 'its classic branch protection' : 'its rulesets';
    findings.push(denied('main', subject, unread[0]!, what, 'Administration: read'));
  }
  return findings;
}

function codeownersFindings(s: RepositorySettings): Finding[] {
  const read = s.codeowners;
  const subject = 'CODEOWNERS';
  const fix = (what: string) =>
    `${what} in .github/CODEOWNERS (this toolkit ships one: replace its placeholder team), merge it to main`;
  if (read.status === 'denied') {
    return [denied('codeowners', subject, read, 'CODEOWNERS', 'Contents: read')];
  }
  if (read.status === 'missing') {
    return [
      {
        area: 'codeowners',
        subject,
        severity: 'problem',
        problem:
          'no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS): code-owner review requires nobody',
        fix: fix(`give ${OWNED_DIRECTORIES.join(', ')} an owning team`),
      },
    ];
  }
  const rules = parseCodeowners(read.data.content);
  const unowned = OWNED_DIRECTORIES.filter((dir) =>
    OWNED_SAMPLES[dir].some((path) => ownersOf(rules, path).owners.length === 0),
  );
  if (unowned.length === 0) return [];
  return [
    {
      area: 'codeowners',
      subject: read.data.path,
      severity: 'problem',
      problem: `does not give ${unowned.join(', ')} an owner: changes there merge without a code owner's review`,
      fix: fix(`add "/${unowned[0]} @OWNER/TEAM" (and the like for the others) at the end`),
    },
  ];
}

/**
 * What the API tells of the subjects GitHub issues to the repository: the prefix itself
 * (`sub_claim_prefix`), or only the format (`use_immutable_subject`), or nothing.
 */
export function repositorySubject(s: RepositorySettings): {
  prefix?: string;
  format?: 'legacy' | 'immutable';
} {
  const oidc = s.oidc.status === 'ok' ? s.oidc.data : undefined;
  if (!oidc) return {};
  if (oidc.sub_claim_prefix) {
    const parsed = classifySubjectPrefix(oidc.sub_claim_prefix, s.repository);
    const format = parsed?.format ?? (oidc.use_immutable_subject ? 'immutable' : undefined);
    return { prefix: oidc.sub_claim_prefix, ...(format ? { format } : {}) };
  }
  if (typeof oidc.use_immutable_subject === 'boolean') {
    return { format: oidc.use_immutable_subject ? 'immutable' : 'legacy' };
  }
  return {};
}

function oidcFindings(s: RepositorySettings, expected: ExpectedSettings): Finding[] {
  const subject = 'OIDC subject';
  const read = s.oidc;
  const endpoint = `repos/${s.repository}/actions/oidc/customization/sub`;
  if (read.status === 'denied') {
    return [denied('oidc', subject, read, 'the OIDC subject settings', 'Actions: read')];
  }
  if (read.status === 'missing') {
    return [
      {
        area: 'oidc',
        subject,
        severity: 'unknown',
        problem: `GitHub answered 404 for ${endpoint}: the subject format cannot be told (GitHub Enterprise Server issues the legacy format only)`,
        fix: `compare a job's token subject with the environment files (configure-aws-credentials prints the sub it presented when AssumeRoleWithWebIdentity is refused)`,
      },
    ];
  }
  if (read.data.use_default === false) {
    return [
      {
        area: 'oidc',
        subject,
        severity: 'problem',
        problem: `the repository uses a custom subject template (${(read.data.include_claim_keys ?? []).join(', ') || 'no claim keys'}): its tokens do not carry the repo:…:environment:… subjects the roles trust`,
        fix: `gh api -X PUT ${endpoint} -F use_default=true (after checking nothing else relies on the custom template)`,
      },
    ];
  }
  const actual = repositorySubject(s);
  const repo = s.repo.status === 'ok' ? s.repo.data : undefined;
  const findings: Finding[] = [];
  for (const want of expected.subjectPrefixes) {
    const where = `${want.source} (github.subjectPrefix)`;
    if (actual.prefix !== undefined) {
      if (actual.prefix !== want.prefix) {
        findings.push(
          mismatch(where, want.prefix, `"${actual.prefix}"`, actual.format, s.repository),
        );
      }
    } else if (actual.format !== undefined) {
      if (actual.format !== want.format) {
        findings.push(
          mismatch(where, want.prefix, `the ${actual.format} format`, actual.format, s.repository),
        );
      }
    } else {
      findings.push({
        area: 'oidc',
        subject,
        severity: 'unknown',
        problem: `GitHub's answer for ${endpoint} has neither sub_claim_prefix nor use_immutable_subject: the subject format of ${s.repository} is unknown; ${want.source} expects "${want.prefix}"`,
        fix: `compare a job's token subject with the environment files (configure-aws-credentials prints the sub it presented when AssumeRoleWithWebIdentity is refused)`,
      });
    }
    // The ids stated in the file must be the repository's, not a look-alike's.
    const parsed = classifySubjectPrefix(want.prefix, s.repository);
    if (
      repo &&
      parsed?.format === 'immutable' &&
      (parsed.ownerId !== String(repo.owner.id) || parsed.repositoryId !== String(repo.id))
    ) {
      findings.push({
        area: 'oidc',
        subject,
        severity: 'problem',
        problem: `${where} names owner id ${parsed.ownerId} and repository id ${parsed.repositoryId}, but ${s.repository} has ${repo.owner.id} and ${repo.id}`,
        fix: `set github.subjectPrefix to the sub_claim_prefix of ${endpoint}, then run nomad-ops iam apply (an administrator)`,
      });
    }
  }
  return findings;
}

function mismatch(
  where: string,
  want: string,
  actual: string,
  actualFormat: 'legacy' | 'immutable' | undefined,
  repository: string,
): Finding {
  return {
    area: 'oidc',
    subject: 'OIDC subject',
    severity: 'problem',
    problem: `${where} makes the roles trust "${want}", but GitHub issues ${repository}'s tokens with ${actual}: every role assumption fails`,
    fix:
      actualFormat === 'immutable' || actualFormat === undefined
        ? `set github.subjectPrefix to the repository's sub_claim_prefix and run nomad-ops iam apply (an administrator) before the next workflow run`
        : `remove github.subjectPrefix (legacy is the default) or opt the repository in to immutable subjects; run nomad-ops iam apply (an administrator) first, see ${SETUP}`,
  };
}
