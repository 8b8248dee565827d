import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { InputError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';

export function registerPlan(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  return program
    .command('plan')
    .description(
      'Show everything an environment needs: keys, principals, policies, bucket, funding; online, what differs from AWS.',
    )
    .requiredOption(
      '--env <name|path>',
      'environment name (development, staging, production) or file',
    )
    .option('--offline', 'do not contact AWS or chains: show the inventory only')
    .option(
      '--exit-code',
      'exit 0 when nothing is to do, 3 when changes or drift are found (for schedulers)',
    )
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops plan --env production --offline\n  $ nomad-ops plan --env staging --exit-code\n  $ nomad-ops plan --env environments/staging.yaml --offline --json',
    )
    .action(
      async (options: { env: string; offline?: boolean; exitCode?: boolean; json?: boolean }) => {
        if (options.offline && options.exitCode) {
          throw new InputError('--exit-code compares with AWS: drop --offline');
        }
        if (!options.offline) return planOnline(options, io, setExitCode);
        const [{ inventoryOf, loadEnvironment }, { renderInventoryConsole }] = await Promise.all([
          import('../../jobs/environment.js'),
          import('../../report/inventory.js'),
        ]);
        const env = loadEnvironment(options.env, io.cwd);
        const inventory = inventoryOf(env, io.env.GITHUB_REPOSITORY);
        io.out(options.json ? toJson(inventory) : renderInventoryConsole(env, inventory));
      },
    );
}

/** Exit code of `plan --exit-code` when the plan finds something to do. */
export const EXIT_CHANGES = 3;

/** Keys, IAM and bucket planned against AWS (read only), with what differs as findings. */
async function planOnline(
  options: { env: string; exitCode?: boolean; json?: boolean },
  io: CliIo,
  setExitCode: (code: number) => void,
): Promise<void> {
  const [{ loadEnvironment }, { awsForEnvironment }, { planEnvironment, driftFindings }, drift] =
    await Promise.all([
      import('../../jobs/environment.js'),
      import('../../jobs/aws.js'),
      import('../../jobs/drift.js'),
      import('../../report/drift.js'),
    ]);
  const env = loadEnvironment(options.env, io.cwd);
  const clients = await awsForEnvironment(env, io.env);
  const { plan, console } = await planEnvironment(env, clients, io.env.GITHUB_REPOSITORY);
  const findings = driftFindings(plan);
  if (options.json) {
    io.out(toJson({ environment: env.name, findings, plan }));
  } else {
    io.out(console.join('\n\n'));
    io.out(
      findings.length === 0
        ? `\n${env.name}: nothing to do, nothing differs from AWS.`
        : `\n${env.name}: ${findings.length} finding(s):\n${findings.map((f) => `  ${drift.FINDING_HEADINGS[f.kind]}: ${f.subject}: ${f.reason}`).join('\n')}`,
    );
  }
  if (findings.length === 0) return;
  if (options.exitCode) setExitCode(EXIT_CHANGES);
  else if (findings.some((f) => f.kind === 'drift' || f.kind === 'broken'))
    setExitCode(EXIT.failed);
}
