import type { KeyAccess } from '../../aws/kms-types.js';
import { TAG_KEYS } from '../../inventory/tags.js';

/**
 * Whether a KMS key may be used or adopted (DESIGN §5, issue 13): its key policy and grants give
 * nothing outside the account's root delegation, and its tags, where it has them, name this key.
 * Pure: the caller reads the policy, grants and tags.
 */

type Statement = {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
};

const rootOf = (accountId: string) => [`arn:aws:iam::${accountId}:root`, accountId];

/** Principals of an Allow statement other than the account root. */
function foreignPrincipals(statement: Statement, accountId: string): string[] {
  const p = statement.Principal;
  if (p === '*') return ['*'];
  if (typeof p !== 'object' || p === null) return ['(no principal)'];
  const out: string[] = [];
  for (const [kind, value] of Object.entries(p as Record<string, unknown>)) {
    for (const v of [value].flat()) {
      if (kind === 'AWS' && typeof v === 'string' && rootOf(accountId).includes(v)) continue;
      out.push(`${kind}:${String(v)}`);
    }
  }
  return out;
}

/** Why the key may not be used or adopted for `key`, with the command to inspect it; or undefined. */
export function keyAccessProblem(
  key: { alias: string; environment: string },
  keyId: string,
  accountId: string,
  access: KeyAccess,
): string | undefined {
  const problems: string[] = [];
  let statements: Statement[] = [];
  try {
    const parsed = JSON.parse(access.policy) as { Statement?: Statement | Statement[] };
    statements = [parsed.Statement ?? []].flat();
  } catch {
    problems.push('its key policy is not JSON');
  }
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const foreign = foreignPrincipals(s, accountId);
    if (foreign.length > 0) {
      problems.push(
        `its key policy${s.Sid ? ` (statement ${s.Sid})` : ''} allows ${foreign.join(', ')} directly, beyond the account's delegation to IAM`,
      );
    }
  }
  for (const g of access.grants) {
    problems.push(
      `grant ${g.grantId} gives ${g.operations.join(', ') || 'operations'} to ${g.grantee ?? 'a grantee'}`,
    );
  }
  const taggedAlias = access.tags[TAG_KEYS.alias];
  if (taggedAlias !== undefined && taggedAlias !== key.alias) {
    problems.push(`its tag ${TAG_KEYS.alias} names ${taggedAlias}, another key's alias`);
  }
  const taggedEnv = access.tags[TAG_KEYS.environment];
  if (taggedEnv !== undefined && taggedEnv !== key.environment) {
    problems.push(`its tag ${TAG_KEYS.environment} is ${taggedEnv}, not ${key.environment}`);
  }
  if (problems.length === 0) return undefined;
  return (
    `${key.alias} points at key ${keyId}, which the toolkit will not use: ${problems.join('; ')}. ` +
    `Inspect it with \`aws kms get-key-policy --key-id ${keyId} --policy-name default\`, ` +
    `\`aws kms list-grants --key-id ${keyId}\` and \`aws kms list-resource-tags --key-id ${keyId}\`; ` +
    `point ${key.alias} at a key of this environment or delete the alias so a new key is created`
  );
}
