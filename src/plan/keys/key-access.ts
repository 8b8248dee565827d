import { type IamState, principalKey } from '../../aws/iam-state.js';
import { OPERATOR_TAG } from '../../inventory/operators.js';
import type { IamInventory, KeyParty } from '../../inventory/types.js';
import { matchesStringLike } from '../../inventory/patterns.js';
import { parsePolicyDocument } from '../policy-document.js';

/**
 * Who can sign with which key, by party (DESIGN §8b): each contracted operator and the core
 * team's signer group, as IAM holds it now (the policies attached to the party's principal) and
 * as the environment file wants it. Pure: it reads the access state the plan already read.
 *
 * "Can sign" is `kms:Sign` allowed by the party's identity policies on a key carrying the alias.
 * The evaluation understands the documents the toolkit writes; a condition it does not know
 * counts as met in an Allow (and as unmet in a Deny), so access is never under-reported.
 */

export interface KeyAccessChange {
  party: string;
  principal: string;
  /** Aliases it can sign with now. */
  now: string[];
  /** Aliases it is meant to sign with. */
  wanted: string[];
  granted: string[];
  revoked: string[];
  uploadsProofs: { now: boolean; wanted: boolean };
  /** The operator is gone from the file: its access goes with prune (and bootstrap for roles). */
  removed?: true | undefined;
}

export function planKeyAccess(
  iam: IamInventory,
  accountId: string,
  state: IamState,
): KeyAccessChange[] | undefined {
  const spec = iam.keyAccess;
  const leftoverOperators = state.leftovers.policies.filter(
    (p) => p.policy.tags[OPERATOR_TAG] !== undefined,
  );
  if (!spec && leftoverOperators.length === 0) return undefined;
  const aliases = spec?.aliases ?? [];
  const region = spec?.region ?? '*';
  const keyArn = `arn:aws:kms:${region}:${accountId}:key/00000000-0000-0000-0000-000000000000`;
  const documentOf = (arn: string): string | undefined =>
    state.policies[arn]?.document ??
    state.leftovers.policies.find((p) => p.policy.arn === arn)?.policy.document;
  const canSign = (documents: string[]) =>
    aliases.filter((alias) =>
      allows(documents, 'kms:Sign', keyArn, { 'kms:ResourceAliases': [alias] }),
    );
  // Uploads are scoped by home (objects `{home}_{leafIndex}`): any home's proof counts.
  const canUpload = (documents: string[]) =>
    (spec?.networks ?? []).some((home) =>
      allows(documents, 's3:PutObject', `arn:aws:s3:::${spec!.bucket}/${home}_0`, {}),
    );

  const wanted = spec?.parties ?? [];
  const out: KeyAccessChange[] = wanted.map((party: KeyParty) => {
    const attached = state.attached[principalKey(party.principal)] ?? [];
    const documents = attached.flatMap((arn) => documentOf(arn) ?? []);
    return change(
      party.name,
      `${party.principal.kind} ${party.principal.name}`,
      canSign(documents),
      party.keys,
      { now: canUpload(documents), wanted: party.uploadsProofs },
    );
  });
  const names = new Set(wanted.map((p) => p.name));
  for (const { policy } of leftoverOperators) {
    const name = policy.tags[OPERATOR_TAG]!;
    if (names.has(name)) continue;
    const documents = [policy.document];
    out.push({
      ...change(name, `policy ${policy.name}`, canSign(documents), [], {
        now: canUpload(documents),
        wanted: false,
      }),
      removed: true,
    });
  }
  return out;
}

function change(
  party: string,
  principal: string,
  now: string[],
  wanted: string[],
  uploadsProofs: KeyAccessChange['uploadsProofs'],
): KeyAccessChange {
  return {
    party,
    principal,
    now,
    wanted,
    granted: wanted.filter((a) => !now.includes(a)),
    revoked: now.filter((a) => !wanted.includes(a)),
    uploadsProofs,
  };
}

/** Whether any party's access changes. */
export const keyAccessChanges = (changes: readonly KeyAccessChange[] | undefined) =>
  (changes ?? []).some(
    (c) =>
      c.granted.length > 0 ||
      c.revoked.length > 0 ||
      c.uploadsProofs.now !== c.uploadsProofs.wanted,
  );

// ---- a small evaluator of identity policies -------------------------------------------------

type Json = unknown;
interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (x: string | string[] | undefined): string[] =>
  x === undefined ? [] : Array.isArray(x) ? x : [x];

function statementsOf(document: Json): Statement[] {
  const doc = parsePolicyDocument(document as string) as { Statement?: Statement | Statement[] };
  const s = doc.Statement;
  return s === undefined ? [] : Array.isArray(s) ? s : [s];
}

const actionMatches = (patterns: string[], action: string) =>
  patterns.some((p) => matchesStringLike(p.toLowerCase(), action.toLowerCase()));

/** Allowed by some Allow statement and denied by none. */
export function allows(
  documents: readonly Json[],
  action: string,
  resource: string,
  context: Record<string, string[]>,
): boolean {
  let allowed = false;
  for (const document of documents) {
    for (const s of statementsOf(document)) {
      const deny = s.Effect === 'Deny';
      if (!deny && s.Effect !== 'Allow') continue;
      const actionOk =
        s.NotAction !== undefined
          ? !actionMatches(list(s.NotAction), action)
          : actionMatches(list(s.Action), action);
      const resourceOk =
        s.NotResource !== undefined
          ? !list(s.NotResource).some((p) => matchesStringLike(p, resource))
          : list(s.Resource).some((p) => matchesStringLike(p, resource));
      if (!actionOk || !resourceOk) continue;
      const conditionOk = conditionsMet(s.Condition, context, deny ? false : true);
      if (!conditionOk) continue;
      if (deny) return false;
      allowed = true;
    }
  }
  return allowed;
}

/** Operators on multi-valued context keys, as the toolkit's documents use them. */
function conditionsMet(
  condition: Statement['Condition'],
  context: Record<string, string[]>,
  unknown: boolean,
): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, raw] of Object.entries(entries)) {
      const values = context[key];
      if (values === undefined) {
        if (!unknown) return false;
        continue;
      }
      const patterns = list(raw);
      const like = /StringLike$/.test(operator);
      const equals = /StringEquals$/.test(operator);
      if (!like && !equals) {
        if (!unknown) return false;
        continue;
      }
      const one = (v: string) => patterns.some((p) => (like ? matchesStringLike(p, v) : p === v));
      const met = operator.startsWith('ForAllValues:') ? values.every(one) : values.some(one);
      if (!met) return false;
    }
  }
  return true;
}
