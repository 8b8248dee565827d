import type { Command } from 'commander';
import type { AddressBook } from '../../report/operators.js';
import { InputError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';

export function registerOperators(program: Command, io: CliIo): Command {
  return program
    .command('operators')
    .description(
      'List the operators of an environment, the agents each runs, their keys and addresses (to fund, to enroll).',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--offline', 'read nothing from AWS: list aliases without addresses')
    .option('--json', 'print { environment, operators: [...], coreTeam } as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops operators --env staging\n  $ nomad-ops operators --env staging --offline --json',
    )
    .action(async (options: { env: string; offline?: boolean; json?: boolean }) => {
      const [
        { bucketFor },
        { InventoryError },
        { keysFor },
        { operatorsFor },
        { loadEnvironment },
        { operatorsJson, renderOperatorsConsole },
      ] = await Promise.all([
        import('../../inventory/bucket.js'),
        import('../../inventory/errors.js'),
        import('../../inventory/keys.js'),
        import('../../inventory/operators.js'),
        import('../../jobs/environment.js'),
        import('../../report/operators.js'),
      ]);
      const env = loadEnvironment(options.env, io.cwd);
      let inventory;
      try {
        const keys = keysFor(env);
        inventory = operatorsFor(env, keys, bucketFor(env).name);
      } catch (error) {
        if (error instanceof InventoryError)
          throw new InputError(`${env.source}: ${error.message}`);
        throw error;
      }
      let addresses: AddressBook;
      if (!options.offline) {
        // The key table's reading path: aliases, key checks and public keys, nothing written.
        const [{ awsForEnvironment }, { keysJob }] = await Promise.all([
          import('../../jobs/aws.js'),
          import('../../jobs/keys.js'),
        ]);
        const job = await keysJob(env, await awsForEnvironment(env, io.env), 'plan');
        addresses = new Map(job.rows.map((r) => [r.alias, r.address]));
      }
      io.out(
        options.json
          ? toJson(operatorsJson(env.name, inventory, addresses))
          : renderOperatorsConsole(env.name, inventory, addresses),
      );
    });
}
