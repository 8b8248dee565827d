import type { Command } from 'commander';
import { OperationError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';
import { jobModules } from './load.js';

export function registerAttestations(program: Command, io: CliIo): Command {
  return program
    .command('attestations')
    .description(
      'Show the updater and watcher attestation addresses per network, for the contract deployment.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--json', 'print { environment, networks: { <network>: { updater, watchers } } }')
    .addHelpText('after', '\nExample:\n  $ nomad-ops attestations --env staging --json')
    .action(async (options: { env: string; json?: boolean }) => {
      const [
        { loadEnvironment },
        { awsForEnvironment },
        [{ keysJob }, { attestationConfig }, { attestationTable }, { renderConsoleTable }],
      ] = await jobModules(
        Promise.all([
          import('../../jobs/keys.js'),
          import('../../agents/attestations.js'),
          import('../../report/keys.js'),
          import('../../report/table.js'),
        ]),
      );
      const env = loadEnvironment(options.env, io.cwd);
      const job = await keysJob(env, await awsForEnvironment(env, io.env), 'plan');
      const { config, missing } = attestationConfig(env.name, job.rows);
      if (missing.length > 0) {
        const lines = missing.map(
          (m) =>
            `  ${m.alias} (${m.status}${m.reason ? `: ${m.reason.replace(/\r?\n/g, ' ')}` : ''})`,
        );
        throw new OperationError(
          `${missing.length} attestation key(s) of ${env.name} have no address yet:\n${lines.join('\n')}\n` +
            `Run \`nomad-ops keys apply --env ${env.name}\` to create them (a broken key must be fixed by hand first).`,
        );
      }
      io.out(
        options.json
          ? toJson(config)
          : `Attestation addresses — ${env.name}\n\n${renderConsoleTable(attestationTable(job.rows))}`,
      );
    });
}
