import { ownersOf, parseCodeowners } from './codeowners.js';
import { denied, SETUP, type Finding } from './settings-finding.js';
import type {
  Read,
  RepositorySettings,
  RestBranchProtection,
  RestBranchRule,
} from './settings-types.js';

/**
 * Main's review gate as `github check` judges it: a ruleset or classic protection that requires a
 * code owner's review, who may bypass it, and CODEOWNERS covering what the gate protects.
 */

/** The directories a code owner must review: the files, the workflows, the actions, the bundles. */
export const OWNED_DIRECTORIES = ['environments/', '.github/', 'actions/', 'dist/'] as const;
/** Paths probed per directory (CODEOWNERS rules can cover a directory only in part). */
const OWNED_SAMPLES: Record<(typeof OWNED_DIRECTORIES)[number], string[]> = {
  'environments/': ['environments/production.yaml', 'environments/environment.schema.json'],
  '.github/': ['.github/workflows/keymaster.yml', '.github/CODEOWNERS', '.github/dependabot.yml'],
  'actions/': ['actions/keymaster/action.yml', 'actions/apply-guard/action.yml'],
  'dist/': ['dist/keymaster/index.js', 'dist/apply-iam/index.js'],
};

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

export function mainFindings(s: RepositorySettings): Finding[] {
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

export function codeownersFindings(s: RepositorySettings): Finding[] {
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
