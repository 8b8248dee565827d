import { relative, sep } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { InputError } from '../../errors.js';
import type { CliIo } from '../io.js';
import { jobModules } from './load.js';

/** `keymaster ledger`: what the bank sent and paid in fees, from the environment's ledger. */

const GROUPINGS = ['network', 'role', 'month', 'recipient'] as const;

export function registerKeymasterLedger(
  keymaster: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  keymaster
    .command('ledger')
    .description(
      'Totals sent and fees paid per group, top-ups and largest recipients, from the ledger; --verify checks every record against its chain.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--since <when>', 'from this instant: 30d, 12h, 2w back from now, or a date')
    .option('--until <when>', 'up to this instant (same forms)')
    .option('--by <group>', `group by ${GROUPINGS.join('|')}`, 'network')
    .option('--json', 'print the totals as JSON')
    .option('--csv', 'print the groups as CSV')
    .option('--verify', "check each record against its chain's transaction and receipt")
    .option(
      '--burn',
      'daily burn per network and role from the balances snapshots (top-ups excluded); --since defaults to 7d',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster ledger --env production --since 30d --by role\n  $ nomad-ops keymaster ledger --env staging --verify --json\n  $ nomad-ops keymaster ledger --env production --burn --since 14d',
    )
    .action(
      async (options: {
        env: string;
        since?: string;
        until?: string;
        by: string;
        json?: boolean;
        csv?: boolean;
        verify?: boolean;
        burn?: boolean;
      }) => {
        if (!(GROUPINGS as readonly string[]).includes(options.by)) {
          throw new InputError(`--by ${options.by}: give one of ${GROUPINGS.join(', ')}`);
        }
        if (options.json && options.csv) throw new InputError('give --json or --csv, not both');
        if (options.burn && (options.csv || options.verify)) {
          throw new InputError(
            '--burn prints a table or --json; it takes neither --csv nor --verify',
          );
        }
        const [{ loadEnvironment }, { awsForEnvironment }, { ledgerJob }] = await jobModules(
          import('../../jobs/ledger.js'),
        );
        const env = loadEnvironment(options.env, io.cwd);
        const { parseInstant } = await import('../../keymaster/state/ledger-totals.js');
        // Bad flags are exit 2 before any AWS call.
        for (const [flag, value] of [
          ['--since', options.since],
          ['--until', options.until],
        ]) {
          if (value) parseInstant(value, flag!, Date.now());
        }
        if (options.burn) {
          const { burnJob } = await import('../../jobs/burn.js');
          const burn = await burnJob(env, await awsForEnvironment(env, io.env), {
            ...(options.since ? { since: options.since } : {}),
            ...(options.until ? { until: options.until } : {}),
          });
          io.out(options.json ? burn.json() : burn.console());
          return;
        }
        const report = await ledgerJob(env, await awsForEnvironment(env, io.env), io.env, {
          by: options.by as (typeof GROUPINGS)[number],
          verify: options.verify ?? false,
          ...(options.since ? { since: options.since } : {}),
          ...(options.until ? { until: options.until } : {}),
        });
        io.out(options.json ? report.json() : options.csv ? report.csv() : report.console());
        if (!report.ok) setExitCode(EXIT.failed);
      },
    );
}

/** `keymaster propose-thresholds`: lower and target per network and role from the measured burn. */
export function registerProposeThresholds(keymaster: Command, io: CliIo): void {
  keymaster
    .command('propose-thresholds')
    .description(
      "Propose lower and target per network and role from the measured burn (keymaster.burn's rule); --write edits the environment file, keeping its comments.",
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--since <when>', 'the burn measured from this instant: 14d, 2w, or a date', '14d')
    .option('--write', 'write the proposed amounts into the environment file')
    .option('--json', 'print the proposal as JSON')
    .option(
      '--repo <owner/name>',
      'open or update the pull request proposing them (GITHUB_TOKEN; closes it when nothing changes)',
    )
    .option('--base <branch>', 'the branch the pull request targets', 'main')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster propose-thresholds --env production --since 14d\n  $ nomad-ops keymaster propose-thresholds --env staging --write --json\n  $ nomad-ops keymaster propose-thresholds --env production --repo nomad-xyz/nomad-agent-ops',
    )
    .action(async (options: ProposeOptions) => {
      const [{ loadEnvironment }, { awsForEnvironment }, { proposeThresholdsJob }] =
        await jobModules(import('../../jobs/propose-thresholds.js'));
      const env = loadEnvironment(options.env, io.cwd);
      const { parseInstant } = await import('../../keymaster/state/ledger-totals.js');
      parseInstant(options.since, '--since', Date.now());
      const proposal = await proposeThresholdsJob(env, await awsForEnvironment(env, io.env), {
        since: options.since,
        write: options.write ?? false,
      });
      io.out(options.json ? proposal.json() : proposal.markdown);
      if (options.repo) {
        const [{ githubClient, repositoryOf }, { upsertProposalPullRequest }] = await Promise.all([
          import('../../github/client.js'),
          import('../../github/proposal-pr.js'),
        ]);
        const octokit = githubClient(io.env.GITHUB_TOKEN ?? '', io.env.GITHUB_API_URL);
        const pr = await upsertProposalPullRequest(octokit, {
          ...repositoryOf(options.repo),
          environment: env.name,
          base: options.base,
          path: relative(io.cwd, env.source).split(sep).join('/'),
          content: proposal.content,
          changed: proposal.changed,
          title: `Keymaster thresholds of ${env.name} from the measured burn`,
          body: proposal.markdown,
        });
        io.err(`pull request: ${pr.action}${pr.url ? ` ${pr.url}` : ''}`);
      }
    });
}

interface ProposeOptions {
  env: string;
  since: string;
  write?: boolean;
  json?: boolean;
  repo?: string;
  base: string;
}
