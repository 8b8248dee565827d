import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { InputError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerGithub(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const github = program
    .command('github')
    .description(
      'Check the GitHub repository settings the production gate depends on, and who approved a run.',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops   # GITHUB_TOKEN set',
    );
  github
    .command('check')
    .description(
      "Read the repository through the REST API (token from GITHUB_TOKEN, API base from GITHUB_API_URL) and fail naming each problem and its fix: production reviewers, admin bypass, self-review and deployment branches; every environment the workflow files name (deployment branches main only) and the {env}-keymaster environments; main's ruleset or branch protection; CODEOWNERS; the OIDC subject format against the environment files.",
    )
    .requiredOption('--repo <owner/name>', 'the repository to check')
    .option(
      '--env <name|path>',
      'environment file whose OIDC subject prefix and Keymaster environment to check (repeatable; default staging and production)',
      collect,
    )
    .option(
      '--workflows <dir>',
      'the workflow files whose environments to audit (every environment a job names)',
      '.github/workflows',
    )
    .option(
      '--json',
      'print { repository, ok, expected, findings: [{ area, subject, severity, problem, fix }] }',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops   # token in GITHUB_TOKEN\n  $ nomad-ops github check --repo nomad-xyz/nomad-agent-ops --env production --json',
    )
    .action(
      async (options: { repo: string; env?: string[]; workflows: string; json?: boolean }) => {
        const [
          { githubClient },
          { loadEnvironment },
          { checkRepositoryArg, githubCheckJob, readWorkflowFiles },
          fs,
          path,
        ] = await Promise.all([
          import('../../github/client.js'),
          import('../../jobs/environment.js'),
          import('../../jobs/github-check.js'),
          import('node:fs'),
          import('node:path'),
        ]);
        const repository = checkRepositoryArg(options.repo);
        const workflows = readWorkflowFiles(
          options.workflows,
          (dir) => fs.readdirSync(path.resolve(io.cwd, dir)),
          (file) => fs.readFileSync(path.resolve(io.cwd, file), 'utf8'),
        );
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
          workflows,
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
      },
    );
  github
    .command('approvers')
    .description(
      "Refuse (exit 1) when someone who approved a workflow run's deployment of --environment authored, committed, opened or merged a commit the apply carries: after the commit recorded on the bank, up to the planned one (from --plan, the approved plan file, or --head and --base). Without a recorded commit, every commit up to the planned one counts. Token from GITHUB_TOKEN, API base from GITHUB_API_URL; reads only.",
    )
    .requiredOption('--repo <owner/name>', 'the repository')
    .requiredOption('--run-id <id>', 'the workflow run whose approvals are read')
    .option('--environment <name>', 'the GitHub environment whose approvals count', 'production')
    .option('--plan <file>', "the approved plan file (the apply workflow's plan artifact)")
    .option('--head <sha>', 'the planned commit (instead of --plan)')
    .option('--base <sha|none>', 'the commit recorded on the bank, or none (with --head)')
    .option(
      '--json',
      'print { ok, environment, approvers, commits, selfApprovals, unaccounted, unattributed, message }',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops github approvers --repo nomad-xyz/nomad-agent-ops --run-id 123456 --plan production-plan.json',
    )
    .action(
      async (options: {
        repo: string;
        runId: string;
        environment: string;
        plan?: string;
        head?: string;
        base?: string;
        json?: boolean;
      }) => {
        const [{ githubClient }, { checkRepositoryArg }, job, { readFileSync }, path] =
          await Promise.all([
            import('../../github/client.js'),
            import('../../jobs/github-check.js'),
            import('../../jobs/approval-check.js'),
            import('node:fs'),
            import('node:path'),
          ]);
        const repository = checkRepositoryArg(options.repo);
        const runId = job.runIdArg(options.runId);
        if ((options.plan === undefined) === (options.head === undefined)) {
          throw new InputError(
            'pass either --plan <file> or --head <sha> (with --base <sha|none>)',
          );
        }
        const range = options.plan
          ? job.rangeFromPlanFile({ name: '--plan', text: options.plan }, (file) =>
              readFileSync(path.resolve(io.cwd, file), 'utf8'),
            )
          : job.commitRange(options.head!, options.base);
        const token = io.env.GITHUB_TOKEN;
        if (!token) {
          throw new InputError(
            "GITHUB_TOKEN is not set: export a token that may read the run's approvals, commits and pull requests (e.g. GITHUB_TOKEN=$(gh auth token))",
          );
        }
        const { decision } = await job.approvalCheckJob(
          githubClient(token, io.env.GITHUB_API_URL),
          {
            repository,
            runId,
            environment: options.environment,
            range,
          },
        );
        io.out(options.json ? toJson(decision) : decision.message);
        if (!decision.ok) setExitCode(EXIT.failed);
      },
    );
  return github;
}
