import { Document } from 'yaml';
import type { ResolvedEnvironment } from '../config/model.js';
import type { AgentRole } from '../config/names.js';
import { InputError } from '../errors.js';
import { operatorsFor, type OperatorSpec } from '../inventory/operators.js';
import type { KeySpec } from '../inventory/types.js';
import { agentConfigFor } from './config.js';
import { helmValuesFor } from './helm.js';
import { agentConfigJson, renderEnv, type AgentConfigFormat } from './render.js';
import type { AgentConfig } from './types.js';

/**
 * What one contracted operator needs (DESIGN §8b): for every agent it runs, the signer settings
 * of both agent generations and the processor's S3 settings (as `agent-config`), and how it gets
 * AWS credentials: an AWS config profile that assumes its role with its external id, or the
 * access key of its user. Pure; names only the keys of the operator's own agents.
 */
export interface OperatorAgentConfig {
  environment: string;
  operator: string;
  access:
    | {
        kind: 'role';
        /** `~/.aws/config` profile name the agents use (`AWS_PROFILE`). */
        profile: string;
        roleArn: string;
        externalId: string;
        /** The operator's own principal, whose credentials assume the role. */
        from: string;
        region: string;
      }
    | { kind: 'user'; userName: string; region: string };
  /** One per role it runs, with the homes it runs (file order); hot standbys are marked. */
  agents: Array<AgentConfig & { hotStandby: string[] }>;
}

export function operatorAgentConfig(
  env: ResolvedEnvironment,
  keys: KeySpec[],
  bucket: { name: string; region: string },
  name: string,
): OperatorAgentConfig {
  const operator = findOperator(env, keys, bucket.name, name);
  const roles: AgentRole[] = [];
  for (const a of operator.agents) if (!roles.includes(a.role)) roles.push(a.role);
  const agents = roles.map((role) => {
    const mine = operator.agents.filter((a) => a.role === role);
    const homes = mine.flatMap(
      (a) => agentConfigFor(env, keys, bucket, { agent: role, home: a.home }).homes,
    );
    return {
      environment: env.name,
      agent: role,
      region: env.aws.region,
      keyStore: env.keyStore,
      homes,
      hotStandby: mine.filter((a) => a.hotStandby).map((a) => a.home),
    };
  });
  const p = operator.principal;
  return {
    environment: env.name,
    operator: operator.name,
    access:
      p.kind === 'role'
        ? {
            kind: 'role',
            profile: `nomad-${env.name}-${operator.name}`,
            roleArn: p.roleArn,
            externalId: p.externalId,
            from: p.trustedPrincipal,
            region: env.aws.region,
          }
        : { kind: 'user', userName: p.userName, region: env.aws.region },
    agents,
  };
}

function findOperator(
  env: ResolvedEnvironment,
  keys: KeySpec[],
  bucket: string,
  name: string,
): OperatorSpec {
  const operators = operatorsFor(env, keys, bucket).operators;
  const found = operators.find((o) => o.name === name);
  if (found) return found;
  const known = operators.map((o) => o.name);
  throw new InputError(
    known.length === 0
      ? `${env.name} lists no operators (operators in ${env.source}); its agents are run by the core team: use --agent`
      : `"${name}" is not an operator of ${env.name}: use one of ${known.join(', ')}`,
  );
}

/** The `~/.aws/config` profile of a role operator, or how a user operator authenticates. */
function iamLines(config: OperatorAgentConfig): string[] {
  const a = config.access;
  if (a.kind === 'user') {
    return [
      `# Credentials: an access key of the IAM user ${a.userName}, handed over by the core team`,
      `# (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in each agent's environment; never commit them).`,
    ];
  }
  return [
    `# Credentials: add this profile to ~/.aws/config; its source credentials are your own`,
    `# (${a.from}), which the role trusts only with this external id.`,
    `# [profile ${a.profile}]`,
    `# role_arn = ${a.roleArn}`,
    `# external_id = ${a.externalId}`,
    `# source_profile = <your profile>   (or credential_source = Ec2InstanceMetadata | EcsContainer | Environment)`,
    `# region = ${a.region}`,
    `# Each agent then runs with AWS_PROFILE=${a.profile}.`,
  ];
}

function standbyNote(agent: OperatorAgentConfig['agents'][number]): string[] {
  return agent.hotStandby.length === 0
    ? []
    : [
        `# Hot standby for ${agent.hotStandby.join(', ')}: the primary runs on the same key; send nothing while it runs.`,
      ];
}

export function renderOperatorAgentConfig(
  config: OperatorAgentConfig,
  format: AgentConfigFormat,
): string {
  switch (format) {
    case 'json':
      return (
        JSON.stringify(
          { ...config, agents: config.agents.map((a) => agentConfigJson(a)) },
          null,
          2,
        ) + '\n'
      );
    case 'env': {
      const header = [
        `# Operator ${config.operator}, ${config.environment}: every agent it runs.`,
        ...iamLines(config),
        ...(config.access.kind === 'role' ? [`AWS_PROFILE=${config.access.profile}`] : []),
      ].join('\n');
      const agents = config.agents.map((agent) =>
        [...standbyNote(agent), renderEnv(agent).trimEnd()].join('\n'),
      );
      return [header, ...agents].join('\n\n') + '\n';
    }
    case 'helm':
      return config.agents
        .flatMap((agent) =>
          agent.homes.map((home) => {
            const doc = new Document(helmValuesFor(agent, home));
            doc.commentBefore = [
              ` Operator ${config.operator}: nomad ${agent.agent} agent, ${config.environment}, home ${home.home}${agent.hotStandby.includes(home.home) ? ' (hot standby)' : ''}`,
              ...iamLines(config).map((l) => l.replace(/^#/, '')),
            ].join('\n');
            return doc.toString();
          }),
        )
        .join('---\n');
  }
}
