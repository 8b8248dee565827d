import { subjectPrefixFor } from '../config/github-subject.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InputError } from '../errors.js';
import type { GithubClient } from '../github/client.js';
import { checkRepositorySettings, failed } from '../github/settings-check.js';
import { type Finding } from '../github/settings-finding.js';
import { readRepositorySettings } from '../github/settings.js';
import type { ExpectedSettings } from '../github/settings-types.js';
import { workflowEnvironments, type WorkflowFile } from '../github/workflow-environments.js';
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

const KEYMASTER_SUFFIX = '-keymaster';
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
  workflows: WorkflowFile[],
): { expected: ExpectedSettings; keymasterEnvironments: string[] } {
  for (const env of envs) {
    if (env.github.repository !== undefined && env.github.repository !== repository) {
      throw new InputError(
        `${env.source}: github.repository is ${env.github.repository}, but --repo is ${repository}; check the repository this file is for`,
      );
    }
  }
  const named = workflowEnvironments(workflows);
  return {
    expected: {
      subjectPrefixes: envs.map((env) => {
        const { prefix, format } = subjectPrefixFor(repository, env.github.subjectPrefix);
        return { source: env.source, prefix, format };
      }),
      environments: named.environments,
      unresolved: named.unresolved,
    },
    keymasterEnvironments: envs.map((env) => keymasterGithubEnvironment(env.name)),
  };
}

/**
 * Reads the repository's settings and judges them against the environment files and the
 * workflow files (every GitHub environment a job names).
 */
export async function githubCheckJob(
  client: GithubClient,
  repository: string,
  envs: ResolvedEnvironment[],
  workflows: WorkflowFile[],
): Promise<GithubCheckResult> {
  const { expected, keymasterEnvironments } = expectedSettings(repository, envs, workflows);
  const names = expected.environments.map((e) => e.name);
  const settings = await readRepositorySettings(client, repository, {
    keymasterEnvironments: [
      ...keymasterEnvironments,
      ...names.filter((n) => n.endsWith(KEYMASTER_SUFFIX)),
    ],
    otherEnvironments: names,
  });
  const findings = checkRepositorySettings(settings, expected);
  return {
    repository,
    ok: !failed(findings),
    expected,
    findings,
    console: renderGithubCheck(repository, findings),
  };
}

/** The workflow files of a checkout (`.github/workflows/*.yml`), or bad input when there are none. */
export function readWorkflowFiles(
  dir: string,
  list: (dir: string) => string[],
  read: (file: string) => string,
): WorkflowFile[] {
  let names: string[];
  try {
    names = list(dir).filter((f) => /\.ya?ml$/.test(f));
  } catch {
    names = [];
  }
  if (names.length === 0) {
    throw new InputError(
      `no workflow files in ${dir}: run github check from the repository's checkout, or pass --workflows <dir>; the environments to audit are read from them`,
    );
  }
  return names.sort().map((name) => ({ path: `${dir}/${name}`, text: read(`${dir}/${name}`) }));
}
