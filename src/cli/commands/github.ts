import type { Command } from 'commander';
import { EXIT, InputError } from '../errors.js';
import { toJson, type CliIo } from '../io.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerGithub(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const github = program
    .command('github')
    .description('Check the GitHub repository settings the production gate depends on.')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops   # GITHUB_TOKEN set',
    );
  github
    .command('check')
    .description(
      "Read the repository through the REST API (token from GITHUB_TOKEN, API base from GITHUB_API_URL) and fail naming each problem and its fix: production reviewers, admin bypass, self-review and deployment branches; the {env}-keymaster environments; main's ruleset or branch protection; CODEOWNERS; the OIDC subject format against the environment files.",
    )
    .requiredOption('--repo <owner/name>', 'the repository to check')
    .option(
      '--env <name|path>',
      'environment file whose OIDC subject prefix and Keymaster environment to check (repeatable; default staging and production)',
      collect,
    )
    .option(
      '--json',
      'print { repository, ok, expected, findings: [{ area, subject, severity, problem, fix }] }',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops   # token in GITHUB_TOKEN\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops --env production --json',
    )
    .action(async (options: { repo: string; env?: string[]; json?: boolean }) => {
      const [{ githubClient }, { loadEnvironment }, { checkRepositoryArg, githubCheckJob }] =
        await Promise.all([
          import('../../github/client.js'),
          import('../../jobs/environment.js'),
          import('../../jobs/github-check.js'),
        ]);
      const repository = checkRepositoryArg(options.repo);
      const token = io.env.GITHUB_TOKEN;
      if (!token) {
        throw new InputError(
          "GITHUB_TOKEN is not set: export a token that may read the repository's administration, environments, contents and actions settings (e.g. GITHUB_TOKEN=$(gh auth token))",
        );
      }
      const names = options.env ?? ['staging', 'production'];
      const envs = names.map((name) => loadEnvironment(name, io.cwd));
      const result = await githubCheckJob(
        githubClient(token, io.env.GITHUB_API_URL),
        repository,
        envs,
      );
      io.out(
        options.json
          ? toJson({
              repository: result.repository,
              ok: result.ok,
              expected: result.expected,
              findings: result.findings,
            })
          : result.console,
      );
      if (!result.ok) setExitCode(EXIT.failed);
    });
  return github;
}
