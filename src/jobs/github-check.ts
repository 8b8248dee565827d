import { subjectPrefixFor } from '../config/github-subject.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError } from '../errors.js';
import type { GithubClient } from '../github/client.js';
import { checkRepositorySettings, failed, type Finding } from '../github/settings-check.js';
import { readRepositorySettings } from '../github/settings.js';
import type { ExpectedSettings } from '../github/settings-types.js';
import { keymasterGithubEnvironment } from '../inventory/github.js';
import { renderGithubCheck } from '../report/github-check.js';

export interface GithubCheckResult {
  repository: string;
  ok: boolean;
  /** What the environment files expect of the repository. */
  expected: ExpectedSettings;
  findings: Finding[];
  console: string;
}

const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9_.-]{1,100}$/;

/** `owner/name`, or bad input. */
export function checkRepositoryArg(value: string | undefined): string {
  if (!value || !REPOSITORY.test(value)) {
    throw new InputError(
      `--repo is "${value ?? ''}", expected owner/name (e.g. nomad-xyz/nomad-agent-ops)`,
    );
  }
  return value;
}

/**
 * What the environment files expect: each file's OIDC subject prefix (its github.subjectPrefix,
 * else the legacy form) and its `{env}-keymaster` GitHub environment. A file that names another
 * repository is bad input: its roles would trust that one.
 */
export function expectedSettings(
  repository: string,
  envs: ResolvedEnvironment[],
): { expected: ExpectedSettings; keymasterEnvironments: string[] } {
  for (const env of envs) {
    if (env.github.repository !== undefined && env.github.repository !== repository) {
      throw new InputError(
        `${env.source}: github.repository is ${env.github.repository}, but --repo is ${repository}; check the repository this file is for`,
      );
    }
  }
  return {
    expected: {
      subjectPrefixes: envs.map((env) => {
        const { prefix, format } = subjectPrefixFor(repository, env.github.subjectPrefix);
        return { source: env.source, prefix, format };
      }),
    },
    keymasterEnvironments: envs.map((env) => keymasterGithubEnvironment(env.name)),
  };
}

/** Reads the repository's settings and judges them against the environment files. */
export async function githubCheckJob(
  client: GithubClient,
  repository: string,
  envs: ResolvedEnvironment[],
): Promise<GithubCheckResult> {
  const { expected, keymasterEnvironments } = expectedSettings(repository, envs);
  const settings = await readRepositorySettings(client, repository, { keymasterEnvironments });
  const findings = checkRepositorySettings(settings, expected);
  return {
    repository,
    ok: !failed(findings),
    expected,
    findings,
    console: renderGithubCheck(repository, findings),
  };
}
