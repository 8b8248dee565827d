import type { Command } from 'commander';
import { KMS_WRITES_PER_SECOND_ENV, kmsWritesPerSecond } from '../../jobs/keys-rate.js';
import { createProgress, stderrSink } from '../../progress.js';
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
          : 'Create missing keys, alias keys left without one, retire extra keys the file no longer names, and tag the bank with the funding settings applied.',
      )
      .requiredOption('--env <name|path>', 'environment name or file')
      .option('--json', 'print the key table as JSON')
      .option(
        '--verify-key-trust',
        "also read every aliased key's policy, grants and tags (3 more calls per key)",
      )
      .option(
        '--kms-writes-per-second <n>',
        `KMS CreateKey/CreateAlias pace, each (default 5, the KMS quota; or ${KMS_WRITES_PER_SECOND_ENV})`,
      )
      .addHelpText('after', `\nExample:\n  $ nomad-ops keys ${mode} --env staging`)
      .action(
        async (options: {
          env: string;
          json?: boolean;
          verifyKeyTrust?: boolean;
          kmsWritesPerSecond?: string;
        }) => {
          const rate = kmsWritesPerSecond(options.kmsWritesPerSecond, io.env);
          // Progress on stderr only: stdout stays the table or the JSON. Its first line comes
          // before the job's modules load (the AWS SDK and ethers take most of a second).
          const progress =
            mode === 'apply'
              ? createProgress({ sink: stderrSink(), label: 'keys apply' })
              : undefined;
          progress?.begin(`${options.env}: checking the AWS account, then reading the keys`);
          const [[{ loadEnvironment }, { awsForEnvironment }, { keysJob }], { committedHead }] =
            await Promise.all([
              jobModules(import('../../jobs/keys.js')),
              import('../../jobs/git-history.js'),
            ]);
          const env = loadEnvironment(options.env, io.cwd);
          const clients = await awsForEnvironment(env, io.env);
          // The workflow's commit, else a clean checkout's HEAD (the Keymaster workflow runs it).
          const commit = io.env.GITHUB_SHA || committedHead(env.source);
          const job = await keysJob(env, clients, mode, {
            ...(commit ? { commit } : {}),
            ...(rate ? { kmsWritesPerSecond: rate } : {}),
            ...(options.verifyKeyTrust ? { verifyKeyTrust: true } : {}),
            ...(progress ? { progress } : {}),
          });
          io.out(options.json ? toJson(job.json) : job.console);
          if (!job.ok) setExitCode(EXIT.failed);
        },
      );
  }
  return keys;
}
