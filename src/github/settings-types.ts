/**
 * The repository settings `github check` reads, in the REST API's own shapes (the fields the
 * checks use; GitHub sends more). Each read is kept with its outcome, so a setting that could
 * not be read is reported as such rather than taken as absent.
 */

/** The outcome of one GET: the data, a 404, or another refusal (403 for want of admin read). */
export type Read<T> =
  | { status: 'ok'; data: T }
  | { status: 'missing' }
  | { status: 'denied'; httpStatus: number; message: string };

/** `GET /repos/{owner}/{repo}` */
export interface RestRepository {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string; id: number };
  default_branch?: string;
  created_at?: string;
}

/** One entry of `protection_rules` of `GET /repos/{owner}/{repo}/environments/{name}`. */
export interface RestProtectionRule {
  id?: number;
  /** 'required_reviewers', 'wait_timer', 'branch_policy', or a kind GitHub adds later. */
  type: string;
  prevent_self_review?: boolean;
  reviewers?: { type: 'User' | 'Team'; reviewer: { login?: string; slug?: string; id?: number } }[];
  wait_timer?: number;
}

/** `GET /repos/{owner}/{repo}/environments/{name}` */
export interface RestEnvironment {
  id?: number;
  name: string;
  /** Absent in some answers; GitHub's default is true (admins may bypass). */
  can_admins_bypass?: boolean;
  protection_rules?: RestProtectionRule[];
  /** null: every branch may deploy. */
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}

/** One entry of `GET /repos/{owner}/{repo}/environments/{name}/deployment-branch-policies`. */
export interface RestBranchPolicy {
  id?: number;
  name: string;
  type?: 'branch' | 'tag';
}

/** One active rule of `GET /repos/{owner}/{repo}/rules/branches/{branch}` (rulesets). */
export interface RestBranchRule {
  type: string;
  ruleset_id?: number;
  ruleset_source_type?: string;
  ruleset_source?: string;
  parameters?: {
    required_approving_review_count?: number;
    require_code_owner_review?: boolean;
    dismiss_stale_reviews_on_push?: boolean;
    require_last_push_approval?: boolean;
    [key: string]: unknown;
  };
}

/** `GET /repos/{owner}/{repo}/rulesets/{ruleset_id}` (the fields the checks use). */
export interface RestRuleset {
  id: number;
  name: string;
  enforcement: 'active' | 'evaluate' | 'disabled';
  /** Omitted for tokens that may not administer the ruleset. */
  bypass_actors?: {
    actor_id?: number | null;
    actor_type: string;
    /** 'always', 'pull_request', or a mode GitHub adds later. */
    bypass_mode?: string;
  }[];
}

/** `GET /repos/{owner}/{repo}/branches/{branch}/protection` (classic branch protection). */
export interface RestBranchProtection {
  required_pull_request_reviews?: {
    required_approving_review_count?: number;
    require_code_owner_reviews?: boolean;
    dismiss_stale_reviews?: boolean;
  };
  enforce_admins?: { enabled: boolean };
}

/** `GET /repos/{owner}/{repo}/actions/oidc/customization/sub` */
export interface RestOidcSubject {
  use_default: boolean;
  include_claim_keys?: string[];
  /** Whether the default subject carries the owner's and repository's ids. */
  use_immutable_subject?: boolean;
  /** The prefix GitHub puts in the repository's `sub` claims, e.g. `repo:octocat@1/app@2`. */
  sub_claim_prefix?: string;
}

/** A deployment environment with its branch policies (read only when it has custom ones). */
export interface EnvironmentSettings {
  name: string;
  environment: Read<RestEnvironment>;
  branchPolicies?: Read<RestBranchPolicy[]>;
}

/** Everything `github check` judges, as read. */
export interface RepositorySettings {
  /** `owner/name` as asked. */
  repository: string;
  repo: Read<RestRepository>;
  production: EnvironmentSettings;
  keymaster: EnvironmentSettings[];
  /** Every other environment the workflows name (staging, …): deployment branches main only. */
  environments: EnvironmentSettings[];
  mainRules: Read<RestBranchRule[]>;
  /** The repository rulesets behind main's pull-request rules, by id (for their bypass list). */
  mainRulesets?: Record<number, Read<RestRuleset>>;
  mainProtection: Read<RestBranchProtection>;
  /** The CODEOWNERS GitHub uses (.github/, root, docs/, first found), decoded. */
  codeowners: Read<{ path: string; content: string }>;
  oidc: Read<RestOidcSubject>;
}

/** What the environment files expect of the repository. */
export interface ExpectedSettings {
  /** The OIDC `sub` prefix each environment file's trust policies use. */
  subjectPrefixes: { source: string; prefix: string; format: 'legacy' | 'immutable' }[];
  /** The GitHub environments the workflow files name, and the jobs that name them. */
  environments: { name: string; jobs: string[] }[];
  /** Jobs whose environment could not be told from the files (each fails the check). */
  unresolved: { job: string; value: string; reason: string }[];
}
