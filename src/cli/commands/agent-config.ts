import type { Command } from 'commander';
import { agentConfigFor, parseFormat, renderAgentConfig } from '../../agents/index.js';
import { AGENT_ROLES } from '../../config/schema.js';
import { bucketFor } from '../../inventory/bucket.js';
import { InventoryError } from '../../inventory/errors.js';
import { keysFor } from '../../inventory/keys.js';
import { InputError } from '../errors.js';
import type { CliIo } from '../io.js';
import { loadEnvironment } from '../../jobs/environment.js';

export function registerAgentConfig(program: Command, io: CliIo): Command {
  return program
    .command('agent-config')
    .description(
      "Render an agent's signer settings (old OPT_BASE_* and new *_TXSIGNER_ID), S3 and helm values; offline.",
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .requiredOption('--agent <role>', `agent: ${AGENT_ROLES.join(', ')}`)
    .option('--home <network>', 'one home network (default: one block per network of the file)')
    .option('--format <format>', 'env, helm or json', 'env')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops agent-config --env staging --agent processor --home kovan\n  $ nomad-ops agent-config --env production --agent updater --format helm',
    )
    .action((options: { env: string; agent: string; home?: string; format: string }) => {
      const format = parseFormat(options.format);
      const env = loadEnvironment(options.env, io.cwd);
      try {
        const config = agentConfigFor(env, keysFor(env), bucketFor(env), {
          agent: options.agent,
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
