import type { FieldIssue, PathSegment } from './problem.js';
import { formatPath } from './problem.js';
import { AGENT_ROLES, type AgentRole } from './names.js';
import { isRecord, type Raw } from './raw.js';
import { didYouMean } from './suggest.js';

/**
 * Cross-field rules of `operators` and `coreTeam` (DESIGN §8b), on the parsed file:
 * - operator names unique; principals, external ids and users each belong to one operator;
 * - homes are networks of the file, and the role has keys in this environment;
 * - each agent (role, home) has exactly one primary runner (an operator or the core team):
 *   two agents on one key race on its nonce, so a second one must be marked `hotStandby`;
 * - with operators listed, every agent either has an operator or is left to `coreTeam.runs`.
 * Parts whose shape is wrong are skipped: the schema reports those.
 */
export function operatorIssues(
  data: Record<string, unknown>,
  context: { networks: string[]; keyNames: string[] },
): FieldIssue[] {
  const operators = data.operators;
  const coreTeam = isRecord(data.coreTeam) ? data.coreTeam : undefined;
  if (operators === undefined && coreTeam === undefined) return [];
  const issues: FieldIssue[] = [];
  const list = Array.isArray(operators) ? operators : [];

  if (list.length > 0 && data.environment === 'development') {
    issues.push({
      path: ['operators'],
      message:
        'development keys are hex keys in Secrets Manager that the core team runs; contracted operators need KMS keys: list operators in staging or production',
    });
  }
  issues.push(...uniqueness(list, data));

  const runners: Runner[] = [];
  list.forEach((operator, i) => {
    if (!isRecord(operator)) return;
    const name = typeof operator.name === 'string' ? operator.name : `operators[${i}]`;
    runners.push(
      ...assignments(operator.runs, ['operators', i, 'runs'], `operator ${name}`, context, issues),
    );
  });
  if (coreTeam)
    runners.push(
      ...assignments(coreTeam.runs, ['coreTeam', 'runs'], 'the core team', context, issues),
    );
  const where: PathSegment[] = Array.isArray(operators) ? ['operators'] : ['coreTeam'];
  issues.push(...coverage(runners, where, context));
  return issues;
}

interface Runner {
  who: string;
  role: AgentRole;
  home: string;
  hotStandby: boolean;
  path: PathSegment[];
}

/** A name the file gives, or its default when it gives none (or not a string: the schema says so). */
const stringOr = (value: unknown, fallback: string) =>
  typeof value === 'string' ? value : fallback;

function uniqueness(list: unknown[], data: Raw): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const accountId = isRecord(data.aws) ? data.aws.accountId : undefined;
  const iam = isRecord(data.iam) ? data.iam : {};
  const reserved = new Map<string, string>([
    [stringOr(iam.signerUser, `nomad-signer-${String(data.environment)}`), 'iam.signerUser'],
    [stringOr(iam.adminUser, 'kms-admin'), 'iam.adminUser'],
  ]);
  const seen = { name: new Map<string, number>(), principal: new Map<string, number>() };
  const seenExternal = new Map<string, number>();
  const seenUser = new Map<string, number>();
  list.forEach((operator, i) => {
    if (!isRecord(operator)) return;
    if (typeof operator.name === 'string') {
      const first = seen.name.get(operator.name);
      if (first !== undefined)
        issues.push({
          path: ['operators', i, 'name'],
          message: `"${operator.name}" is already the name of operators[${first}]; operator names must be unique`,
        });
      else seen.name.set(operator.name, i);
    }
    const access = isRecord(operator.access) ? operator.access : undefined;
    if (!access) return;
    const at = ['operators', i, 'access'];
    const { principal, externalId, user } = access;
    if (principal === undefined && user === undefined) {
      issues.push({
        path: at,
        message:
          "says neither principal (a role or account ARN in the operator's AWS account, with externalId) nor user (an IAM user in this account); give one",
      });
    }
    if (principal !== undefined && user !== undefined) {
      issues.push({
        path: [...at, 'user'],
        message: 'give either principal (with externalId) or user, not both',
      });
    }
    if (principal !== undefined && externalId === undefined) {
      issues.push({
        path: [...at, 'principal'],
        message:
          'needs externalId beside it: the role trusts the principal only with that sts:ExternalId (agree a unique value with the operator)',
      });
    }
    if (user !== undefined && principal === undefined && externalId !== undefined) {
      issues.push({
        path: [...at, 'externalId'],
        message: 'an external id applies to principal only; remove it or use principal',
      });
    }
    if (typeof principal === 'string') {
      const account = /^arn:[^:]+:iam::([0-9]{12}):/.exec(principal)?.[1];
      if (account !== undefined && account === accountId) {
        issues.push({
          path: [...at, 'principal'],
          message: `is in this environment's own account ${account}; a principal is in the operator's own account. For access from this account use user: <name>`,
        });
      }
      const first = seen.principal.get(principal);
      if (first !== undefined)
        issues.push({
          path: [...at, 'principal'],
          message: `is already the principal of operators[${first}]; one principal is one operator (it could assume both roles): merge them`,
        });
      else seen.principal.set(principal, i);
    }
    if (typeof externalId === 'string') {
      const first = seenExternal.get(externalId);
      if (first !== undefined)
        issues.push({
          path: [...at, 'externalId'],
          message: `is already the external id of operators[${first}]; give each operator its own`,
        });
      else seenExternal.set(externalId, i);
    }
    if (typeof user === 'string') {
      const clash = reserved.get(user);
      const first = seenUser.get(user);
      if (clash)
        issues.push({
          path: [...at, 'user'],
          message: `"${user}" is the ${clash}; an operator gets a user of its own`,
        });
      else if (first !== undefined)
        issues.push({
          path: [...at, 'user'],
          message: `"${user}" is already the user of operators[${first}]; give each operator its own`,
        });
      else seenUser.set(user, i);
    }
  });
  return issues;
}

/** Roles with at least one key in force (`{role}-signer` or `{role}-attestation`). */
function rolesWithKeyNames(keyNames: string[]): AgentRole[] {
  return AGENT_ROLES.filter((role) => keyNames.some((k) => k.startsWith(`${role}-`)));
}

function assignments(
  runs: unknown,
  path: PathSegment[],
  who: string,
  context: { networks: string[]; keyNames: string[] },
  issues: FieldIssue[],
): Runner[] {
  if (!Array.isArray(runs)) return [];
  const roles = rolesWithKeyNames(context.keyNames);
  const out: Runner[] = [];
  const mine = new Map<string, number>();
  runs.forEach((entry, j) => {
    if (!isRecord(entry) || typeof entry.role !== 'string') return;
    const at = [...path, j];
    const role = entry.role as AgentRole;
    if (!(AGENT_ROLES as readonly string[]).includes(role)) return;
    if (!roles.includes(role)) {
      issues.push({
        path: [...at, 'role'],
        message: `${role} has no key in this environment (keys.names); its agent cannot run here`,
      });
      return;
    }
    const hotStandby = entry.hotStandby === true;
    const homes = Array.isArray(entry.homes) ? entry.homes : context.networks;
    const listed = new Set<string>();
    homes.forEach((home, k) => {
      if (typeof home !== 'string') return;
      const homePath = Array.isArray(entry.homes) ? [...at, 'homes', k] : [...at, 'role'];
      if (!context.networks.includes(home)) {
        issues.push({
          path: homePath,
          message: `"${home}" is not a network of this environment${didYouMean(home, context.networks)}; known networks: ${context.networks.join(', ')}`,
        });
        return;
      }
      if (listed.has(home)) {
        issues.push({ path: homePath, message: `"${home}" is listed twice; list each home once` });
        return;
      }
      listed.add(home);
      const first = mine.get(`${role}@${home}`);
      if (first !== undefined) {
        issues.push({
          path: homePath,
          message: `${who} already runs the ${role} of ${home} (${formatPath([...path, first])}); list each agent once`,
        });
        return;
      }
      mine.set(`${role}@${home}`, j);
      out.push({ who, role, home, hotStandby, path: homePath });
    });
  });
  return out;
}

function coverage(
  runners: Runner[],
  where: PathSegment[],
  context: { networks: string[]; keyNames: string[] },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const primary = new Map<string, Runner>();
  for (const r of runners) {
    if (r.hotStandby) continue;
    const key = `${r.role}@${r.home}`;
    const first = primary.get(key);
    if (first) {
      issues.push({
        path: r.path,
        message: `the ${r.role} of ${r.home} is already run by ${first.who} (${formatPath(first.path)}); two agents on one key race on its nonce: remove one, or mark this one hotStandby: true`,
      });
    } else primary.set(key, r);
  }
  for (const r of runners) {
    if (r.hotStandby && !primary.has(`${r.role}@${r.home}`)) {
      issues.push({
        path: r.path,
        message: `is a hot standby for the ${r.role} of ${r.home}, which nobody runs as primary; make one runner primary (hotStandby: false)`,
      });
    }
  }
  for (const role of rolesWithKeyNames(context.keyNames)) {
    const missing = context.networks.filter((home) => !primary.has(`${role}@${home}`));
    if (missing.length === 0) continue;
    issues.push({
      path: where,
      message: `the ${role} of ${missing.join(', ')} is run by no operator and not left to the core team: give it to an operator, or add { role: ${role}, homes: [${missing.join(', ')}] } to coreTeam.runs`,
    });
  }
  return issues;
}
