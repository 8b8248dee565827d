/**
 * OIDC subjects as GitHub issues them: the legacy `repo:owner/name` and the immutable form with
 * the owner's and repository's ids. The environment file states the prefix; the trust policies
 * rendered from it are proven by simulation to accept tokens of that format only.
 */
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifySubjectPrefix, subjectPrefixFor } from '../../src/config/github-subject.js';
import { loadEnvironmentText } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { iamFor } from '../../src/inventory/iam.js';
import { type GithubRoleSpec } from '../../src/inventory/types.js';
import { production, staging } from './fixtures.js';

const REPO = 'octocat/my-repo';
const LEGACY = 'repo:octocat/my-repo';
const IMMUTABLE_CHANGELOG = 'repo:octocat-123456/my-repo-456789';
const IMMUTABLE_API = 'repo:octocat@123456/my-repo@456789';

function withGithub(env: ResolvedEnvironment, subjectPrefix?: string): ResolvedEnvironment {
  env.github = { repository: REPO, ...(subjectPrefix ? { subjectPrefix } : {}) };
  return env;
}

/** AssumeRoleWithWebIdentity with a GitHub token's `sub`, against a rendered trust policy. */
function assume(role: GithubRoleSpec, accountId: string, providerArn: string, sub: string) {
  // runUnsafeSimulation: the validating one drops `…:sub` for this action (see
  // policy-simulation.test.ts); the trust policy goes in pre-validated.
  return runUnsafeSimulation(
    {
      request: {
        principal: providerArn,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: role.arn, accountId },
        contextVariables: {
          'token.actions.githubusercontent.com:sub': sub,
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: {
        __validated: true,
        policyDocument: role.trustPolicy,
        metadata: { name: role.name },
        errors: [],
      },
    },
    {},
  );
}

function rolesOf(env: ResolvedEnvironment) {
  const github = iamFor(env).github!;
  const role = (kind: string) => github.roles.find((r) => r.kind === kind)!;
  const tryAs = (kind: string, sub: string) =>
    assume(role(kind), env.aws.accountId, github.provider.arn, sub);
  return { github, tryAs };
}

describe('trust policies by subject format (simulated)', () => {
  it.each([IMMUTABLE_CHANGELOG, IMMUTABLE_API])(
    'a file stating %s: immutable tokens pass, legacy ones and other ids do not',
    (prefix) => {
      const { github, tryAs } = rolesOf(withGithub(production(), prefix));
      expect(github.subjectFormat).toBe('immutable');
      expect(github.subjectPrefix).toBe(prefix);
      expect(tryAs('apply', `${prefix}:environment:production`)).toBe('Allowed');
      expect(tryAs('plan', `${prefix}:pull_request`)).toBe('Allowed');
      expect(tryAs('keymaster', `${prefix}:environment:production-keymaster`)).toBe('Allowed');
      for (const sub of [
        `${LEGACY}:environment:production`,
        // the same names under other ids: a deleted repository's name claimed again
        'repo:octocat-123456/my-repo-999999:environment:production',
        'repo:octocat@999999/my-repo@456789:environment:production',
        `${prefix}:environment:staging`,
        `${prefix}:pull_request`,
      ]) {
        expect([sub, tryAs('apply', sub)]).toEqual([sub, 'ImplicitlyDenied']);
      }
      expect(tryAs('plan', `${LEGACY}:pull_request`)).toBe('ImplicitlyDenied');
      expect(tryAs('keymaster', `${LEGACY}:environment:production-keymaster`)).toBe(
        'ImplicitlyDenied',
      );
    },
  );

  it('the default (no prefix stated) is legacy: legacy tokens pass, immutable ones do not', () => {
    const { github, tryAs } = rolesOf(withGithub(staging()));
    expect(github.subjectFormat).toBe('legacy');
    expect(github.subjectPrefix).toBe(LEGACY);
    expect(tryAs('apply', `${LEGACY}:environment:staging`)).toBe('Allowed');
    expect(tryAs('plan', `${LEGACY}:pull_request`)).toBe('Allowed');
    for (const prefix of [IMMUTABLE_CHANGELOG, IMMUTABLE_API]) {
      expect(tryAs('apply', `${prefix}:environment:staging`)).toBe('ImplicitlyDenied');
      expect(tryAs('plan', `${prefix}:pull_request`)).toBe('ImplicitlyDenied');
      expect(tryAs('keymaster', `${prefix}:environment:staging-keymaster`)).toBe(
        'ImplicitlyDenied',
      );
    }
  });

  it('a prefix of another repository never renders', () => {
    expect(() => iamFor(withGithub(production(), 'repo:someone@1/my-repo@2'))).toThrow(
      /github\.subjectPrefix .*not an OIDC subject prefix of octocat\/my-repo/,
    );
  });
});

describe('classifySubjectPrefix', () => {
  it('tells the formats apart for the repository named', () => {
    expect(classifySubjectPrefix(LEGACY, REPO)).toEqual({ prefix: LEGACY, format: 'legacy' });
    expect(classifySubjectPrefix(IMMUTABLE_API, REPO)).toEqual({
      prefix: IMMUTABLE_API,
      format: 'immutable',
      ownerId: '123456',
      repositoryId: '456789',
    });
    // names that themselves end in -digits stay legacy when the repository is spelled that way
    expect(classifySubjectPrefix('repo:octo-12/app-34', 'octo-12/app-34')?.format).toBe('legacy');
    expect(classifySubjectPrefix('repo:octo-12-7/app-34-9', 'octo-12/app-34')).toMatchObject({
      format: 'immutable',
      ownerId: '7',
      repositoryId: '9',
    });
  });

  it('refuses other repositories, mixed delimiters, case changes and wildcards', () => {
    for (const prefix of [
      'repo:octocat/other',
      'repo:octocat@123456/my-repo-456789',
      'repo:Octocat/my-repo',
      'repo:octocat@*/my-repo@*',
      'repo:octocat@123456/my-repo@456789:ref:refs/heads/main',
      'repo:octocat@/my-repo@456789',
      'repo:octocat@0123/my-repo@456789',
    ]) {
      expect([prefix, classifySubjectPrefix(prefix, REPO)]).toEqual([prefix, undefined]);
    }
    expect(() => subjectPrefixFor(REPO, 'repo:octocat/other')).toThrow(
      /expected "repo:octocat\/my-repo" \(legacy\) or "repo:octocat@<owner id>\/my-repo@<repository id>"/,
    );
  });
});

describe('github.subjectPrefix in the environment file', () => {
  const base = readFileSync(
    fileURLToPath(new URL('../../environments/staging.yaml', import.meta.url)),
    'utf8',
  );
  /** The staging file with its github block replaced. */
  const withBlock = (block: string) => {
    const text = base.replace(/^github:\n(?:[ ]+.*\n)+/m, '');
    return text.replace(/^aws:\n(?:[ ]+.*\n)+/m, (aws) => `${aws}${block}`);
  };
  const lineOf = (text: string, needle: string) =>
    text.split('\n').findIndex((line) => line.includes(needle)) + 1;

  it('resolves a stated immutable prefix', () => {
    const text = withBlock(`github:\n  repository: ${REPO}\n  subjectPrefix: "${IMMUTABLE_API}"\n`);
    const result = loadEnvironmentText(text, 'staging.yaml');
    expect(result.ok && result.env.github).toEqual({
      repository: REPO,
      subjectPrefix: IMMUTABLE_API,
    });
  });

  it.each([
    [
      `  repository: ${REPO}\n  subjectPrefix: "repo:octocat@1/other@2"\n`,
      /not an OIDC subject prefix of octocat\/my-repo/,
    ],
    [`  subjectPrefix: "${IMMUTABLE_API}"\n`, /needs github\.repository/],
    [`  repository: ${REPO}\n  subjectPrefix: "repo:octocat@*/my-repo@*"\n`, /no wildcards/],
  ])('reports a bad prefix at its line: %j', (block, message) => {
    const text = withBlock(`github:\n${block}`);
    const result = loadEnvironmentText(text, 'staging.yaml');
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const problem = problems.find((p) => p.path === 'github.subjectPrefix');
    expect(problems.map(formatProblem).join('\n')).toMatch(message);
    expect(problem?.line).toBe(lineOf(text, 'subjectPrefix:'));
    expect(formatProblem(problem!)).toMatch(/^staging\.yaml:\d+:\d+: github\.subjectPrefix: /);
  });
});
