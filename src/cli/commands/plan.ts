import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { toJson, type CliIo } from '../io.js';

export function registerPlan(program: Command, io: CliIo): Command {
  return program
    .command('plan')
    .description(
      'Show everything an environment needs: keys, principals, policies, bucket, funding.',
    )
    .requiredOption(
      '--env <name|path>',
      'environment name (development, staging, production) or file',
    )
    .option('--offline', 'do not contact AWS or chains: show the inventory only')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops plan --env production --offline\n  $ nomad-ops plan --env environments/staging.yaml --offline --json',
    )
    .action(async (options: { env: string; offline?: boolean; json?: boolean }) => {
      if (!options.offline) {
        throw new InputError(
          'plan without --offline is split by resource: run `nomad-ops keys plan`, `iam plan`, `bucket plan`, `keymaster once --dry-run`; or add --offline for the inventory',
        );
      }
      const [{ toJsonValue }, { inventoryOf, loadEnvironment }, { renderInventoryConsole }] =
        await Promise.all([
          import('../../inventory/inventory.js'),
          import('../../jobs/environment.js'),
          import('../../report/inventory.js'),
        ]);
      const env = loadEnvironment(options.env, io.cwd);
      const inventory = inventoryOf(env, io.env.GITHUB_REPOSITORY);
      io.out(
        options.json ? toJson(toJsonValue(inventory)) : renderInventoryConsole(env, inventory),
      );
    });
}
