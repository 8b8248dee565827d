import type { Read } from './settings-types.js';

/** One thing `github check` found: a `problem` fails the check; `unknown` says what could not be told. */
export type FindingArea =
  'repository' | 'production' | 'keymaster' | 'environments' | 'main' | 'codeowners' | 'oidc';

export interface Finding {
  area: FindingArea;
  /** What the finding is about, e.g. `environment production`. */
  subject: string;
  severity: 'problem' | 'unknown';
  problem: string;
  fix: string;
}

/** The setup guide every fix points into. */
export const SETUP = 'docs/github-setup.md';

/** A read GitHub refused, as a finding naming the permission the token lacks. */
export const denied = (
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
