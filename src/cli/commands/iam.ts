import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { jobModules } from './load.js';

interface AccessFlags {
  env: string;
  json?: boolean;
  prune?: boolean;
  createAccessKeys?: boolean;
  bootstrap?: boolean;
}

export function registerIam(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const iam = program
    .command('iam')
    .description('Plan or apply IAM users, groups, policies and the GitHub OIDC roles.')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops iam plan --env staging\n  $ nomad-ops iam apply --env staging --no-bootstrap',
    );
  for (const mode of ['plan', 'apply'] as const) {
    iam
      .command(mode)
      .description(
        mode === 'plan'
          ? 'Show what would change, policy documents as diffs.'
          : 'Create and update what the environment needs; remove only with --prune.',
      )
      .requiredOption('--env <name|path>', 'environment name or file')
      .option('--prune', 'remove resources tagged as ours that the environment no longer wants')
      .option(
        '--create-access-keys',
        'create access keys for the signer users and store them in Secrets Manager (never printed)',
      )
      .option(
        '--no-bootstrap',
        'leave the OIDC provider and workflow roles alone (the workflow apply role cannot write them)',
      )
      .option('--json', 'print the plan as JSON')
      .addHelpText('after', `\nExample:\n  $ nomad-ops iam ${mode} --env staging`)
      .action(async (options: AccessFlags) => {
        const [{ loadEnvironment }, { awsForEnvironment }, { iamJob }] = await jobModules(
          import('../../jobs/iam.js'),
        );
        const env = loadEnvironment(options.env, io.cwd);
        const clients = await awsForEnvironment(env, io.env);
        const job = await iamJob(env, clients, {
          mode,
          prune: options.prune ?? false,
          createAccessKeys: options.createAccessKeys ?? false,
          bootstrap: options.bootstrap ?? true,
          ...(io.env.GITHUB_REPOSITORY ? { repository: io.env.GITHUB_REPOSITORY } : {}),
        });
        io.out(options.json ? job.json : job.console);
        if (!job.ok) setExitCode(EXIT.failed);
      });
  }
  return iam;
}

export function registerBucket(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const bucket = program
    .command('bucket')
    .description('Plan or apply the public proofs bucket: policy, CORS, public access block.')
    .addHelpText('after', '\nExample:\n  $ nomad-ops bucket plan --env staging');
  for (const mode of ['plan', 'apply'] as const) {
    bucket
      .command(mode)
      .description(
        mode === 'plan' ? 'Show what would change.' : 'Create or bring the bucket in line.',
      )
      .requiredOption('--env <name|path>', 'environment name or file')
      .option('--json', 'print the plan as JSON')
      .addHelpText('after', `\nExample:\n  $ nomad-ops bucket ${mode} --env staging`)
      .action(async (options: { env: string; json?: boolean }) => {
        const [{ loadEnvironment }, { awsForEnvironment }, { bucketJob }] = await jobModules(
          import('../../jobs/iam.js'),
        );
        const env = loadEnvironment(options.env, io.cwd);
        const clients = await awsForEnvironment(env, io.env);
        const job = await bucketJob(env, clients, mode);
        io.out(options.json ? job.json : job.console);
        if (!job.ok) setExitCode(EXIT.failed);
      });
  }
  return bucket;
}
