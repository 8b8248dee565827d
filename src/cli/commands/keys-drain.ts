import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { toJson, type CliIo } from '../io.js';
import { jobModules } from './load.js';

/** `nomad-ops keys drain`: an orphaned key's balance, less the fee, to the bank (issue 26). */
export function registerKeysDrain(
  keys: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  keys
    .command('drain')
    .description(
      "Send an orphaned key's balance, less the fee of that transfer, to the bank; the key must be declared in keys.drain (run with the apply role, before keys apply --prune).",
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .requiredOption(
      '--key <alias|key id>',
      'the orphaned key, e.g. alias/staging-hoodi-relayer-signer',
    )
    .requiredOption('--to <bank>', 'where the balance goes: bank')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keys drain --env staging --key alias/staging-hoodi-relayer-signer --to bank',
    )
    .action(async (options: { env: string; key: string; to: string; json?: boolean }) => {
      const [{ loadEnvironment }, { awsForEnvironment }, { drainKey }] = await jobModules(
        import('../../jobs/drain.js'),
      );
      const env = loadEnvironment(options.env, io.cwd);
      const clients = await awsForEnvironment(env, io.env);
      const result = await drainKey(env, clients, {
        key: options.key,
        to: options.to,
        variables: io.env,
      });
      io.out(
        options.json
          ? toJson(result)
          : `${result.status} ${result.key} on ${result.network}: ${result.reason}` +
              (result.txHash ? ` (transaction ${result.txHash})` : ''),
      );
      if (result.status !== 'sent' && BigInt(result.balance) > BigInt(result.maxFee)) {
        setExitCode(EXIT.failed);
      }
    });
}
