import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { toJson, type CliIo } from '../io.js';
import { jobModules } from './load.js';

export function registerKeys(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const keys = program
    .command('keys')
    .description('Plan or provision the KMS keys (hex keys in Secrets Manager for development).')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keys plan --env staging\n  $ nomad-ops keys apply --env staging --json',
    );
  for (const mode of ['plan', 'apply'] as const) {
    keys
      .command(mode)
      .description(
        mode === 'plan'
          ? 'Show each key as exists (with its address), create, adopt or broken.'
          : 'Create missing keys and alias keys left without one; never changes existing keys.',
      )
      .requiredOption('--env <name|path>', 'environment name or file')
      .option('--json', 'print the key table as JSON')
      .addHelpText('after', `\nExample:\n  $ nomad-ops keys ${mode} --env staging`)
      .action(async (options: { env: string; json?: boolean }) => {
        const [{ loadEnvironment }, { awsForEnvironment }, { keysJob }] = await jobModules(
          import('../../jobs/keys.js'),
        );
        const env = loadEnvironment(options.env, io.cwd);
        const clients = await awsForEnvironment(env, io.env);
        const commit = io.env.GITHUB_SHA;
        const job = await keysJob(env, clients, mode, commit ? { commit } : {});
        io.out(options.json ? toJson(job.json) : job.console);
        if (!job.ok) setExitCode(EXIT.failed);
      });
  }
  return keys;
}
