import type { ResolvedEnvironment } from '../config/model.js';
import type { AgentRole, EnvironmentName } from '../config/names.js';
import { InventoryError } from './errors.js';
import { FUNDED_ON_HOME, FUNDED_ON_REPLICAS } from './funding.js';
import { rolesWithKeys } from './keys.js';
import {
  checkIamName,
  groupArn,
  keyArnPattern,
  policyArn,
  roleArn,
  secretArnPattern,
  signerPolicyName,
  userArn,
} from './names.js';
import { keyGrantViolations, signerAliasPattern, type KeyGrant } from './patterns.js';
import { checkPolicySize, uploaderPolicyDocument } from './policies.js';
import { baseTags } from './tags.js';
import type { KeySpec, PolicyDocument } from './types.js';

/**
 * Contracted operators (DESIGN §8b), as data: who runs which agent, which keys that gives each
 * party, and the IAM role (or user) and policy that let AWS enforce exactly that. Pure.
 *
 * An agent is a role on one home network. Its keys are the keys of that home and role (the
 * signer, plus the attestation key of updater and watcher); the signer sends on the home
 * (updater, watcher, kathy) and on each replica of the home (relayer, processor, watcher).
 */

export const OPERATOR_TAG = 'nomad:operator';

export const operatorRoleName = (env: EnvironmentName, operator: string) =>
  `nomad-ops-${env}-operator-${operator}`;
/** Ends in `-signer` like the core team's policies: its group's users are signer users. */
export const operatorPolicyName = (env: EnvironmentName, operator: string) =>
  `${env}-operator-${operator}-signer`;
/** User operators are put in a group of their own, which carries the policy. */
export const operatorGroupName = (env: EnvironmentName, operator: string) =>
  `${env}-operator-${operator}`;

/** The core team's signer group, as a party of the access table. */
export const CORE_TEAM = 'core team';

export interface AgentRef {
  role: AgentRole;
  home: string;
}

export interface OperatorAgent extends AgentRef {
  hotStandby: boolean;
  /** Networks its signer sends transactions on (the Keymaster funds the signer there). */
  sendsOn: string[];
  /** Aliases of its keys: the signer, then the attestation key (updater, watcher). */
  keys: string[];
}

export type OperatorPrincipal =
  | {
      kind: 'role';
      /** The role the toolkit creates for the operator, in this account. */
      roleName: string;
      roleArn: string;
      /** The operator's own role or account, which assumes `roleArn`. */
      trustedPrincipal: string;
      externalId: string;
    }
  | { kind: 'user'; userName: string; userArn: string; groupName: string; groupArn: string };

export interface OperatorSpec {
  name: string;
  principal: OperatorPrincipal;
  agents: OperatorAgent[];
  /** Every alias it can sign with, in agent order, each once. */
  keys: string[];
  /** It runs a processor: the policy also lets it read and write the proofs bucket. */
  uploadsProofs: boolean;
  policyName: string;
  policyArn: string;
  document: PolicyDocument;
  /** Role operators only. */
  trustPolicy?: PolicyDocument;
  tags: Record<string, string>;
  grant: KeyGrant;
}

export interface CoreTeamAccess {
  /** The agents the signer group runs. */
  agents: OperatorAgent[];
  /** Per role with keys: the homes the core team runs; all homes when the file sets no coreTeam. */
  homes: Map<AgentRole, string[]>;
  uploadsProofs: boolean;
}

export interface OperatorsInventory {
  operators: OperatorSpec[];
  coreTeam: CoreTeamAccess;
}

/** The keys of one agent: its home's keys of its role. */
export function agentKeys(keys: readonly KeySpec[], agent: AgentRef): KeySpec[] {
  return keys.filter((k) => k.role === agent.role && k.network === agent.home);
}

/** Networks an agent's signer sends on (DESIGN §6, the funding matrix). */
export function sendsOn(env: ResolvedEnvironment, agent: AgentRef): string[] {
  const home = env.networks.find((n) => n.name === agent.home);
  if (!home) throw new InventoryError(`"${agent.home}" is not a network of ${env.name}.`);
  return [
    ...(FUNDED_ON_HOME.includes(agent.role) ? [home.name] : []),
    ...(FUNDED_ON_REPLICAS.includes(agent.role) ? home.replicas : []),
  ];
}

function describeAgent(
  env: ResolvedEnvironment,
  keys: readonly KeySpec[],
  agent: AgentRef,
  hotStandby: boolean,
): OperatorAgent {
  const own = agentKeys(keys, agent).sort((a, b) =>
    a.purpose === b.purpose ? 0 : a.purpose === 'signer' ? -1 : 1,
  );
  return {
    ...agent,
    hotStandby,
    sendsOn: own.some((k) => k.purpose === 'signer') ? sendsOn(env, agent) : [],
    keys: own.map((k) => k.alias),
  };
}

/**
 * The alias patterns of a set of agents: a role run on every home is one pattern
 * (`alias/{env}-*-{role}-*`, as the core team's policies), otherwise one pattern per home
 * (`alias/{env}-{home}-{role}-*`), which keeps production's policies under IAM's size limit.
 */
export function aliasPatternsOf(env: ResolvedEnvironment, agents: readonly AgentRef[]): string[] {
  const patterns: string[] = [];
  const roles = [...new Set(agents.map((a) => a.role))];
  for (const role of roles) {
    const homes = new Set(agents.filter((a) => a.role === role).map((a) => a.home));
    if (env.networks.every((n) => homes.has(n.name))) patterns.push(signerAliasPattern(env, role));
    else
      for (const n of env.networks)
        if (homes.has(n.name)) patterns.push(`alias/${env.name}-${n.name}-${role}-*`);
  }
  return patterns;
}

/**
 * Sign and GetPublicKey on exactly the agents' keys; when it runs processors, the proofs of
 * their homes only (`{home}_*`, the processor's object names).
 */
export function operatorPolicyDocument(
  env: ResolvedEnvironment,
  patterns: string[],
  uploads: { bucket: string; homes: string[] } | undefined,
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SignWithAgentKeys',
        Effect: 'Allow',
        Action: ['kms:GetPublicKey', 'kms:Sign'],
        Resource: keyArnPattern(env.aws.region, env.aws.accountId),
        Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': patterns } },
      },
      ...(uploads ? uploaderPolicyDocument(uploads.bucket, uploads.homes).Statement : []),
    ],
  };
}

const processorHomes = (agents: readonly AgentRef[]) => [
  ...new Set(agents.filter((a) => a.role === 'processor').map((a) => a.home)),
];

/** Only the operator's own principal, and only with its external id (the confused deputy). */
export function operatorTrustPolicyDocument(principal: string, externalId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OperatorAssumesRole',
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** All (role, home) agents of the environment: roles with keys, in key order, on every network. */
export function allAgents(env: ResolvedEnvironment, keys: readonly KeySpec[]): AgentRef[] {
  return rolesWithKeys([...keys]).flatMap((role) =>
    env.networks.map((n) => ({ role, home: n.name })),
  );
}

export function operatorsFor(
  env: ResolvedEnvironment,
  keys: readonly KeySpec[],
  bucket: string,
): OperatorsInventory {
  const tags = baseTags(env.name);
  const operators = (env.operators ?? []).map((operator): OperatorSpec => {
    if (env.keyStore !== 'kms') {
      throw new InventoryError(
        `${env.name} keeps its keys in Secrets Manager; operators need KMS keys (operator ${operator.name}).`,
      );
    }
    const agents = operator.runs.flatMap((run) =>
      run.homes.map((home) => describeAgent(env, keys, { role: run.role, home }, run.hotStandby)),
    );
    const aliases = [...new Set(agents.flatMap((a) => a.keys))];
    const uploadsProofs = agents.some((a) => a.role === 'processor');
    const policyName = checkIamName('policy', operatorPolicyName(env.name, operator.name));
    const document = checkPolicySize(
      policyName,
      operatorPolicyDocument(
        env,
        aliasPatternsOf(env, agents),
        uploadsProofs ? { bucket, homes: processorHomes(agents) } : undefined,
      ),
      'managed',
    );
    const statement = document.Statement[0]!;
    const patterns = statement.Condition!['ForAnyValue:StringLike']!['kms:ResourceAliases'];
    const grant: KeyGrant = {
      policy: policyName,
      kind: 'alias',
      patterns: Array.isArray(patterns) ? patterns : [patterns!],
      intended: (key) => key.environment === env.name && aliases.includes(key.alias),
    };
    const access = operator.access;
    let principal: OperatorPrincipal;
    let trustPolicy: PolicyDocument | undefined;
    if (access.kind === 'role') {
      const roleName = checkIamName('role', operatorRoleName(env.name, operator.name));
      principal = {
        kind: 'role',
        roleName,
        roleArn: roleArn(env.aws.accountId, roleName),
        trustedPrincipal: access.principal,
        externalId: access.externalId,
      };
      trustPolicy = checkPolicySize(
        roleName,
        operatorTrustPolicyDocument(access.principal, access.externalId),
        'trust',
      );
    } else {
      const userName = checkIamName('user', access.userName);
      const groupName = checkIamName('group', operatorGroupName(env.name, operator.name));
      principal = {
        kind: 'user',
        userName,
        userArn: userArn(env.aws.accountId, userName),
        groupName,
        groupArn: groupArn(env.aws.accountId, groupName),
      };
    }
    return {
      name: operator.name,
      principal,
      agents,
      keys: aliases,
      uploadsProofs,
      policyName,
      policyArn: policyArn(env.aws.accountId, policyName),
      document,
      ...(trustPolicy ? { trustPolicy } : {}),
      tags: { ...tags, [OPERATOR_TAG]: operator.name },
      grant,
    };
  });

  const coreAgents: OperatorAgent[] = env.coreTeam
    ? env.coreTeam.runs.flatMap((run) =>
        run.homes.map((home) => describeAgent(env, keys, { role: run.role, home }, run.hotStandby)),
      )
    : allAgents(env, keys).map((a) => describeAgent(env, keys, a, false));
  const homes = new Map<AgentRole, string[]>();
  for (const role of rolesWithKeys([...keys])) {
    const runs = new Set(coreAgents.filter((a) => a.role === role).map((a) => a.home));
    homes.set(
      role,
      env.networks.filter((n) => runs.has(n.name)).map((n) => n.name),
    );
  }
  const violations = keyGrantViolations(
    operators.map((o) => o.grant),
    [{ env, keys: [...keys] }],
  );
  if (violations.length > 0) {
    throw new InventoryError(
      `Operator policies of ${env.name} reach the wrong keys:\n  ${violations.join('\n  ')}`,
    );
  }
  return {
    operators,
    coreTeam: {
      agents: coreAgents,
      homes,
      uploadsProofs: coreAgents.some((a) => a.role === 'processor'),
    },
  };
}

/**
 * The core team's grant for one role, narrowed to the homes it runs; undefined when it runs
 * none (the role's signer policy is then not wanted, and prune removes it). Unchanged when it
 * runs every home, so files without operators render exactly as before.
 */
export function coreTeamGrant(
  env: ResolvedEnvironment,
  keys: readonly KeySpec[],
  grant: KeyGrant,
  homes: readonly string[],
): KeyGrant | undefined {
  if (!grant.role) return grant;
  const role = grant.role;
  if (homes.length === 0) return undefined;
  if (homes.length === env.networks.length) return grant;
  const own = keys.filter((k) => k.role === role && k.network && homes.includes(k.network));
  const patterns =
    grant.kind === 'alias'
      ? homes.map((home) => `alias/${env.name}-${home}-${role}-*`)
      : own.flatMap((k) =>
          k.secretName ? [secretArnPattern(env.aws.region, env.aws.accountId, k.secretName)] : [],
        );
  return {
    policy: signerPolicyName(env.name, role),
    role,
    kind: grant.kind,
    patterns,
    intended: (key) =>
      key.environment === env.name &&
      key.role === role &&
      key.network !== undefined &&
      homes.includes(key.network),
  };
}
