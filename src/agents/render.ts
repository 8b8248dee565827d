import { Document } from 'yaml';
import { InputError } from '../errors.js';
import { helmValuesFor } from './helm.js';
import type { AgentConfig, HomeAgentConfig } from './types.js';

export const AGENT_CONFIG_FORMATS = ['env', 'helm', 'json'] as const;
export type AgentConfigFormat = (typeof AGENT_CONFIG_FORMATS)[number];

export function parseFormat(format: string): AgentConfigFormat {
  if ((AGENT_CONFIG_FORMATS as readonly string[]).includes(format)) {
    return format as AgentConfigFormat;
  }
  throw new InputError(`unknown format "${format}": use one of ${AGENT_CONFIG_FORMATS.join(', ')}`);
}

export function renderAgentConfig(config: AgentConfig, format: AgentConfigFormat): string {
  switch (format) {
    case 'env':
      return renderEnv(config);
    case 'helm':
      return renderHelm(config);
    case 'json':
      return JSON.stringify(agentConfigJson(config), null, 2) + '\n';
  }
}

/** The JSON form: the config itself plus each home's helm values. */
export function agentConfigJson(config: AgentConfig) {
  return {
    ...config,
    homes: config.homes.map((home) => ({ ...home, helm: helmValuesFor(config, home) })),
  };
}

function keySource(config: AgentConfig): string {
  return config.keyStore === 'kms'
    ? `Keys are AWS KMS aliases in ${config.region}.`
    : `Keys are hex keys in AWS Secrets Manager (${config.region}); their values are not written here.`;
}

/**
 * KEY=value lines, one block per home network (Nomad runs one agent instance per home: put each
 * block in its own .env file). Within a block the lines are sorted; development keys follow as
 * comments naming the secret to copy into each variable.
 */
export function renderEnv(config: AgentConfig): string {
  const header = [
    `# Nomad ${config.agent} agent, ${config.environment}: signer settings of both generations`,
    `# (OPT_BASE_* for the older rust agents, {NET}_TXSIGNER_ID / ATTESTATION_SIGNER_ID for newer ones).`,
    `# ${keySource(config)}`,
    `# One block per home network: each is one agent instance and its own .env file.`,
  ];
  const blocks = config.homes.map((home) => envBlock(config, home));
  return [header.join('\n'), ...blocks].join('\n\n') + '\n';
}

function envBlock(config: AgentConfig, home: HomeAgentConfig): string {
  const signsOn = home.transactionSigners.map((s) => s.network);
  const lines = [
    `# ---- home ${home.home} (${config.environment} ${config.agent}) ----`,
    signsOn.length > 0
      ? `# sends transactions on: ${signsOn.join(', ')}`
      : `# sends transactions on no network: ${home.home} has no replicas`,
    ...Object.entries(home.env).map(([name, value]) => `${name}=${value}`),
  ];
  if (home.fromSecrets.length > 0) {
    lines.push(`# Set from Secrets Manager (${config.region}), the secret's value as is:`);
    for (const s of home.fromSecrets) lines.push(`# ${s.variable} <- ${s.secretName}`);
  }
  return lines.join('\n');
}

/**
 * Helm values (see `helmValuesFor` for the shape). One home: one YAML document, usable as
 * `helm -f`. Several: one document per home, separated by `---`, each with a comment naming it.
 */
export function renderHelm(config: AgentConfig): string {
  return config.homes
    .map((home) => {
      const doc = new Document(helmValuesFor(config, home));
      doc.commentBefore =
        ` Nomad ${config.agent} agent, ${config.environment}, home ${home.home}: values for the nomad-agent chart\n` +
        ` ${keySource(config)}`;
      return doc.toString();
    })
    .join('---\n');
}
