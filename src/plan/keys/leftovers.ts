import type { KmsKeyInfo } from '../../aws/kms-types.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../inventory/tags.js';
import type { KeyPurpose } from '../../inventory/types.js';
import type { KeyDetail } from './types.js';

/**
 * Exactly one key per alias (DESIGN §3): among the keys the toolkit created for an alias, one is
 * aliased (the oldest), every other one no alias points at is a `leftover`, disabled and scheduled
 * for deletion once its alias points at another key. Pure decisions over what was read.
 */

/** KMS's longest waiting period: 30 days during which CancelKeyDeletion brings the key back. */
export const LEFTOVER_DELETION_DAYS = 30;

/** A key of the environment's (managed-by and environment tags) that no alias points at. */
export interface FoundKey {
  keyId: string;
  tags: Record<string, string>;
  /** DescribeKey; undefined when the key vanished since it was listed. */
  info?: KmsKeyInfo;
}

/**
 * Whether the tags mark a key the toolkit made for this environment: for an alias, or retired
 * from one by a rotation's switch (`nomad:retired-from`, its `nomad:alias` removed).
 */
export function isEnvironmentKey(environment: string, tags: Record<string, string>): boolean {
  return (
    tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE &&
    tags[TAG_KEYS.environment] === environment &&
    Boolean(tags[TAG_KEYS.alias] || tags[TAG_KEYS.retiredFrom])
  );
}

/** The deterministic choice among candidate keys for one alias: oldest, then lowest key id. */
export function chooseKey<T extends { keyId: string; creationDate?: string | undefined }>(
  candidates: readonly T[],
): T | undefined {
  return [...candidates].sort(
    (a, b) =>
      (a.creationDate ?? '').localeCompare(b.creationDate ?? '') || a.keyId.localeCompare(b.keyId),
  )[0];
}

/** The shell commands that bring a key scheduled for deletion back into use. */
export function undoDeletionCommand(keyId: string): string {
  return `aws kms cancel-key-deletion --key-id ${keyId} && aws kms enable-key --key-id ${keyId}`;
}

export type LeftoverAction = 'schedule-deletion' | 'keep';

export interface LeftoverDecision {
  key: FoundKey;
  alias: string;
  action: LeftoverAction;
  /** Not provably extra: a `conflict` row that fails the plan; the key is left alone. */
  conflict?: boolean;
  /** Scheduled for deletion: the key its alias points at (absent while apply creates it). */
  aliasTarget?: string | undefined;
  /** One line for the reviewer: what the key is and what apply does about it. */
  reason: string;
}

/** What an alias of the inventory points at, as far as a leftover decision needs it. */
export interface LeftoverTarget {
  /** The key it points at now (absent when apply creates it). */
  keyId?: string | undefined;
  /** Apply creates a key for the alias, or aliases the key the plan adopts: the toolkit's own. */
  planned?: boolean;
  /** Its tags, when read ('gone' or 'denied' when they could not be). */
  tags?: Record<string, string> | 'gone' | 'denied' | undefined;
  address?: string | undefined;
}

export interface LeftoverContext {
  /** The aliases the environment wants. */
  inventory: ReadonlySet<string>;
  /** Per alias of the inventory, what it points at (or will after this apply); absent when the alias stays missing. */
  targetOf: (alias: string) => LeftoverTarget | undefined;
  /** Keys kept for an alias (the one to adopt): never leftovers. */
  keep: ReadonlySet<string>;
  /** The address of a key no alias points at, when it was read. */
  addressOf?: (keyId: string) => string | undefined;
}

/** What the alias's key is, said for a reviewer; `ours` when it is the toolkit's key for `alias`. */
export function describeTarget(
  alias: string,
  environment: string,
  target: LeftoverTarget,
): { ours: boolean; what: string } {
  if (target.planned) {
    return {
      ours: true,
      what: `${target.keyId ?? 'the key apply creates'}, the key apply gives ${alias}`,
    };
  }
  const id = `key ${target.keyId ?? '?'}`;
  const at = target.address ? ` (address ${target.address})` : '';
  const tags = target.tags;
  if (tags === 'gone') return { ours: false, what: `${id}, which no longer exists` };
  if (tags === 'denied' || tags === undefined) {
    return { ours: false, what: `${id}${at}, whose tags these credentials may not read` };
  }
  if (tags[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) {
    return {
      ours: false,
      what: `${id}${at}, which the toolkit did not make (no ${MANAGED_BY_TAG} tag)`,
    };
  }
  if (tags[TAG_KEYS.environment] !== environment) {
    return {
      ours: false,
      what: `${id}${at}, the toolkit's key of the ${tags[TAG_KEYS.environment] ?? 'unknown'} environment`,
    };
  }
  if (tags[TAG_KEYS.alias] !== alias) {
    const bank = tags[TAG_KEYS.purpose] === 'bank' ? 'the bank, ' : '';
    return {
      ours: false,
      what: `${id}${at}, ${bank}the toolkit's key for ${tags[TAG_KEYS.alias] ?? 'no alias'}`,
    };
  }
  return { ours: true, what: `${id}${at}, the toolkit's key for ${alias}` };
}

/** What to do with each key of the environment that no alias points at. */
export function decideLeftovers(
  found: readonly FoundKey[],
  ctx: LeftoverContext,
): LeftoverDecision[] {
  const decisions: LeftoverDecision[] = [];
  for (const key of found) {
    if (ctx.keep.has(key.keyId) || !key.info) continue;
    const alias = key.tags[TAG_KEYS.alias] ?? '';
    // Its alias left the file: an `orphaned` row (keys-orphans.ts), retired only by --prune.
    if (!ctx.inventory.has(alias)) continue;
    const state = key.info.keyState ?? 'unknown';
    const base = `key ${key.keyId} (${state}) is tagged for ${alias} but no alias points at it`;
    if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion') {
      decisions.push({
        key,
        alias,
        action: 'keep',
        reason:
          `${base}; it is pending deletion` +
          (key.info.deletionDate ? ` on ${key.info.deletionDate}` : '') +
          `: nothing to do (to keep it: \`${undoDeletionCommand(key.keyId)}\`)`,
      });
      continue;
    }
    const target = ctx.targetOf(alias);
    if (!target) {
      decisions.push({
        key,
        alias,
        action: 'keep',
        reason: `${base}, and ${alias} does not exist yet: left for the next apply to adopt`,
      });
      continue;
    }
    const environment = key.tags[TAG_KEYS.environment] ?? '';
    const { ours, what } = describeTarget(alias, environment, target);
    const neverAliased = key.tags[TAG_KEYS.aliased] === 'false';
    if (neverAliased && ours) {
      decisions.push({
        key,
        alias,
        action: 'schedule-deletion',
        ...(target.keyId ? { aliasTarget: target.keyId } : {}),
        reason:
          `${base}: ${alias} points at ${target.keyId ?? 'the key apply creates'}, so this is an ` +
          `extra key the toolkit made for it (a retried or racing CreateKey; it never held the ` +
          `alias: ${TAG_KEYS.aliased} is false, and ${what}); apply disables it and schedules ` +
          `its deletion in ${LEFTOVER_DELETION_DAYS} days (undo: \`${undoDeletionCommand(key.keyId)}\`)`,
      });
      continue;
    }
    decisions.push({
      key,
      alias,
      action: 'keep',
      conflict: true,
      reason: conflictReason(key, alias, what, ours, neverAliased, ctx.addressOf?.(key.keyId)),
    });
  }
  return decisions;
}

/** A key the toolkit cannot prove extra: what was found and the choices, never an automatic one. */
function conflictReason(
  key: FoundKey,
  alias: string,
  target: string,
  targetOurs: boolean,
  neverAliased: boolean,
  address: string | undefined,
): string {
  const record = key.tags[TAG_KEYS.aliased];
  const held = neverAliased
    ? 'never held it'
    : record === 'true'
      ? `may have held it (${TAG_KEYS.aliased} is true)`
      : `carries no ${TAG_KEYS.aliased} record (made by an older toolkit version), so it may have held it`;
  const choices = [
    `move the alias back (\`aws kms update-alias --alias-name ${alias} --target-key-id ${key.keyId}\`)`,
    `or, if the new key must stay, move the alias back and rotate through the file (\`keys.rotate\`: docs/runbooks/rotating-an-agent-key.md)`,
  ];
  if (targetOurs && !neverAliased) {
    choices.push(
      `or, if you know this key never held ${alias} (an extra key of an older version), record it ` +
        `(\`aws kms tag-resource --key-id ${key.keyId} --tags TagKey=${TAG_KEYS.aliased},TagValue=false\`) ` +
        'and the next apply retires it',
    );
  }
  return (
    `conflict: key ${key.keyId}${address ? ` (address ${address})` : ''} is the toolkit's key for ` +
    `${alias} and ${held}, but ${alias} now points at ${target}. Nothing is disabled or deleted; ` +
    `the plan fails until a person decides: ${choices.join(', ')}`
  );
}

/** The row detail of a leftover key (not necessarily one of the inventory's aliases). */
export function leftoverDetail(
  decision: LeftoverDecision,
  region: string,
  action: LeftoverAction,
): KeyDetail {
  const { key } = decision;
  const tags = key.tags;
  return {
    store: 'kms',
    alias: decision.alias,
    region,
    description: key.info?.description ?? '',
    purpose: purposeOf(tags[TAG_KEYS.purpose]),
    ...(tags[TAG_KEYS.network] ? { network: tags[TAG_KEYS.network] } : {}),
    ...(tags[TAG_KEYS.keyName] ? { keyName: tags[TAG_KEYS.keyName] } : {}),
    tags: { ...tags },
    keyId: key.keyId,
    ...(key.info?.arn ? { arn: key.info.arn } : {}),
    ...(key.info?.keyState ? { keyState: key.info.keyState } : {}),
    leftover: action,
    ...(decision.conflict ? { conflict: true } : {}),
    ...(decision.aliasTarget ? { aliasTarget: decision.aliasTarget } : {}),
  };
}

/** A key's purpose tag as the row shows it (a key tagged otherwise, or not, counts as a signer). */
function purposeOf(tag: string | undefined): KeyPurpose {
  return tag === 'bank' || tag === 'attestation' ? tag : 'signer';
}
