import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workflowEnvironments, type WorkflowFile } from '../../src/github/workflow-environments.js';

/**
 * No production or staging secret reaches pull-request code (issue 24 item 6). A pull request
 * runs its own copy of the workflows, so every repository secret a workflow names is readable by
 * it; only environment secrets of main-only environments are out of its reach. The table "Where
 * each secret lives" in docs/github-setup.md is compared with every `secrets.X` the workflows
 * read: each secret is documented, an environment secret is read only by jobs of its
 * environments, a job that runs for pull requests reads only repository secrets of public
 * endpoints, and no other repository secret exists. The same analysis is run on the pre-fix
 * workflows to show it catches them.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIR = path.join(ROOT, '.github/workflows');
const FILES: WorkflowFile[] = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ path: f, text: readFileSync(path.join(DIR, f), 'utf8') }));
const DOCS = readFileSync(path.join(ROOT, 'docs/github-setup.md'), 'utf8');

/**
 * `alertChannel`: a repository secret that only pages people (a webhook URL, a routing key). It
 * moves no money and grants no AWS access, and the drift job that sends alerts holds the plan role,
 * which an environment would take from it; so it is allowed outside an environment, by name.
 */
type Home =
  | { kind: 'repository'; public: boolean; alertChannel: boolean }
  | { kind: 'environment'; environments: string[] };

/** The table under "Where each secret lives": secret name → where it lives. */
function documentedSecrets(markdown: string): Map<string, Home> {
  const start = markdown.indexOf('| Secret | Where it lives |');
  if (start < 0) throw new Error('docs/github-setup.md has no "| Secret | Where it lives |" table');
  const rows = markdown.slice(start).split('\n').slice(2);
  const table = new Map<string, Home>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const [, names = '', where = ''] = row.split('|').map((c) => c.trim());
    const ticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const home: Home = where.startsWith('repository secret')
      ? {
          kind: 'repository',
          public: where.includes('public endpoints only'),
          alertChannel: where.includes('alert channel'),
        }
      : { kind: 'environment', environments: ticked(where) };
    for (const name of ticked(names)) table.set(name, home);
  }
  return table;
}

function secretViolations(files: WorkflowFile[], table: Map<string, Home>): string[] {
  const problems: string[] = [];
  const named = workflowEnvironments(files);
  const environmentsOf = (job: string) =>
    named.environments.filter((e) => e.jobs.includes(job)).map((e) => e.name);
  for (const [name, home] of table) {
    if (home.kind === 'repository' && !home.public && !home.alertChannel) {
      problems.push(`${name} is a repository secret: pull-request code can read it`);
    }
  }
  for (const file of files) {
    if (/toJSON\(\s*secrets\s*\)|secrets:\s*inherit/.test(file.text)) {
      problems.push(`${file.path} hands on every secret`);
    }
    const workflow = parse(file.text) as { on: unknown; jobs: Record<string, unknown> };
    const on = workflow.on;
    const triggers =
      typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on as object);
    const forPullRequests = triggers.some((t) => String(t).startsWith('pull_request'));
    for (const [id, job] of Object.entries(workflow.jobs)) {
      const where = `${file.path}: ${id}`;
      const environments = environmentsOf(where);
      const read = new Set(
        [...JSON.stringify(job).matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
      );
      read.delete('GITHUB_TOKEN');
      for (const secret of read) {
        const home = table.get(secret);
        if (!home) {
          problems.push(`${where} reads ${secret}, which the docs do not place`);
        } else if (home.kind === 'environment') {
          const outside = environments.filter((e) => !home.environments.includes(e));
          if (environments.length === 0 || outside.length > 0) {
            problems.push(
              `${where} reads ${secret} outside its environments (${home.environments.join(', ')})`,
            );
          }
        } else if (
          forPullRequests &&
          environments.length === 0 &&
          !home.public &&
          !home.alertChannel
        ) {
          problems.push(`${where} hands ${secret} to pull-request code`);
        }
      }
    }
  }
  return problems;
}

const table = documentedSecrets(DOCS);
const file = (name: string) => FILES.find((f) => f.path === name)!;
const replaced = (name: string, from: string | RegExp, to: string): WorkflowFile[] =>
  FILES.map((f) => {
    if (f.path !== name) return f;
    const text = f.text.replace(from, to);
    if (text === f.text) throw new Error(`${name}: nothing replaced`);
    return { ...f, text };
  });

describe('secrets', () => {
  it('every secret the workflows read lives where the docs say, and none reaches a pull-request job', () => {
    expect([...table.keys()].sort()).toEqual([
      'NOMAD_ALERT_PAGERDUTY_ROUTING_KEY',
      'NOMAD_ALERT_SLACK_WEBHOOK_URL',
      'NOMAD_PUBLIC_RPC_URLS_PRODUCTION',
      'NOMAD_PUBLIC_RPC_URLS_STAGING',
      'NOMAD_RPC_URLS',
      'NOMAD_SETTINGS_TOKEN',
    ]);
    expect(secretViolations(FILES, table)).toEqual([]);
    // what the pull-request plan job reads: public endpoints and nothing else
    const plan = parse(file('plan.yml').text) as { jobs: Record<string, unknown> };
    const read = [...JSON.stringify(plan.jobs).matchAll(/\bsecrets\.([A-Z0-9_]+)/g)].map(
      (m) => m[1],
    );
    expect([...new Set(read)].sort()).toEqual([
      'NOMAD_PUBLIC_RPC_URLS_PRODUCTION',
      'NOMAD_PUBLIC_RPC_URLS_STAGING',
    ]);
  });

  it('catches the production RPC URLs handed to the pull-request plan (as before the fix)', () => {
    const before = replaced(
      'plan.yml',
      'secrets.NOMAD_PUBLIC_RPC_URLS_PRODUCTION',
      'secrets.NOMAD_RPC_URLS_PRODUCTION',
    );
    expect(secretViolations(before, table)).toEqual([
      'plan.yml: plan reads NOMAD_RPC_URLS_PRODUCTION, which the docs do not place',
    ]);
    const asRepositorySecret = new Map(table).set('NOMAD_RPC_URLS_PRODUCTION', {
      kind: 'repository',
      public: false,
      alertChannel: false,
    });
    expect(secretViolations(before, asRepositorySecret)).toEqual([
      'NOMAD_RPC_URLS_PRODUCTION is a repository secret: pull-request code can read it',
      'plan.yml: plan hands NOMAD_RPC_URLS_PRODUCTION to pull-request code',
    ]);
    const keymasterUrls = replaced(
      'plan.yml',
      'secrets.NOMAD_PUBLIC_RPC_URLS_STAGING',
      'secrets.NOMAD_RPC_URLS',
    );
    expect(secretViolations(keymasterUrls, table)).toEqual([
      'plan.yml: plan reads NOMAD_RPC_URLS outside its environments (staging-keymaster, production-keymaster)',
    ]);
  });

  it('catches the settings token read by the ci job that pull requests run (as before the fix)', () => {
    const before = replaced(
      'ci.yml',
      /(\n {6}- name: Install, lint, type-check, test\n)/,
      '\n      - name: GitHub settings\n        env:\n          GITHUB_TOKEN: ${{ secrets.NOMAD_SETTINGS_TOKEN }}\n        run: echo check$1',
    );
    expect(secretViolations(before, table)).toEqual([
      'ci.yml: ci reads NOMAD_SETTINGS_TOKEN outside its environments (github-settings)',
    ]);
  });
});
