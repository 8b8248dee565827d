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
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster ledger --env production --since 30d --by role\n  $ nomad-ops keymaster ledger --env staging --verify --json',
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
      }) => {
        if (!(GROUPINGS as readonly string[]).includes(options.by)) {
          throw new InputError(`--by ${options.by}: give one of ${GROUPINGS.join(', ')}`);
        }
        if (options.json && options.csv) throw new InputError('give --json or --csv, not both');
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
