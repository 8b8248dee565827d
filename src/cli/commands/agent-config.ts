import type { Command } from 'commander';
import { AGENT_ROLES } from '../../config/names.js';
import { InputError } from '../../errors.js';
import type { CliIo } from '../io.js';

interface AgentConfigFlags {
  env: string;
  agent?: string;
  operator?: string;
  home?: string;
  format: string;
  json?: boolean;
}

export function registerAgentConfig(program: Command, io: CliIo): Command {
  return program
    .command('agent-config')
    .description(
      "Render an agent's signer settings (old OPT_BASE_* and new *_TXSIGNER_ID), S3 and helm values, or every agent of an operator with the role it assumes; offline.",
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--agent <role>', `agent: ${AGENT_ROLES.join(', ')}`)
    .option(
      '--operator <name>',
      'every agent this operator of the file runs, with its AWS profile (instead of --agent)',
    )
    .option('--home <network>', 'one home network (default: one block per network of the file)')
    .option('--format <format>', 'env, helm or json', 'env')
    .option('--json', 'the same as --format json')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops agent-config --env staging --agent processor --home kovan\n  $ nomad-ops agent-config --env production --agent updater --format helm\n  $ nomad-ops agent-config --env staging --operator acme',
    )
    .action(async (options: AgentConfigFlags) => {
      const [
        { agentConfigFor },
        { parseFormat, renderAgentConfig },
        { operatorAgentConfig, renderOperatorAgentConfig },
        { bucketFor },
        { InventoryError },
        { keysFor },
        { loadEnvironment },
      ] = await Promise.all([
        import('../../agents/config.js'),
        import('../../agents/render.js'),
        import('../../agents/operator.js'),
        import('../../inventory/bucket.js'),
        import('../../inventory/errors.js'),
        import('../../inventory/keys.js'),
        import('../../jobs/environment.js'),
      ]);
      if (options.json && options.format !== 'env' && options.format !== 'json') {
        throw new InputError(`--json and --format ${options.format} disagree: give one of them`);
      }
      const format = parseFormat(options.json ? 'json' : options.format);
      if ((options.agent === undefined) === (options.operator === undefined)) {
        throw new InputError('give either --agent <role> or --operator <name>');
      }
      if (options.operator !== undefined && options.home !== undefined) {
        throw new InputError(
          '--home applies to --agent only; --operator renders the homes the operator runs',
        );
      }
      const env = loadEnvironment(options.env, io.cwd);
      try {
        if (options.operator !== undefined) {
          const config = operatorAgentConfig(env, keysFor(env), bucketFor(env), options.operator);
          io.out(renderOperatorAgentConfig(config, format));
          return;
        }
        const config = agentConfigFor(env, keysFor(env), bucketFor(env), {
          agent: options.agent!,
          ...(options.home !== undefined ? { home: options.home } : {}),
        });
        io.out(renderAgentConfig(config, format));
      } catch (error) {
        if (error instanceof InventoryError)
          throw new InputError(`${env.source}: ${error.message}`);
        throw error;
      }
    });
}
