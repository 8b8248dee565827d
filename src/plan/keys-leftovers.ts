import type { KmsKeyInfo } from '../aws/kms.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../inventory/tags.js';
import type { KeyPurpose } from '../inventory/types.js';
import type { KeyDetail } from './keys-types.js';

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

/** Whether the tags mark a key the toolkit made for this environment. */
export function isEnvironmentKey(environment: string, tags: Record<string, string>): boolean {
  return (
    tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE &&
    tags[TAG_KEYS.environment] === environment &&
    Boolean(tags[TAG_KEYS.alias])
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
  /** One line for the reviewer: what the key is and what apply does about it. */
  reason: string;
}

export interface LeftoverContext {
  /** The aliases the environment wants. */
  inventory: ReadonlySet<string>;
  /**
   * Per alias of the inventory, the key it points at (or will point at after this apply:
   * `a new key` when apply creates one); absent when the alias stays missing.
   */
  targetOf: (alias: string) => string | undefined;
  /** Keys kept for an alias (the one to adopt): never leftovers. */
  keep: ReadonlySet<string>;
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
    if (!ctx.inventory.has(alias)) {
      decisions.push({
        key,
        alias,
        action: 'keep',
        reason:
          `${base}, and the environment no longer has ${alias}: left alone (schedule its ` +
          `deletion by hand once you are sure it is unused: \`aws kms schedule-key-deletion ` +
          `--key-id ${key.keyId} --pending-window-in-days ${LEFTOVER_DELETION_DAYS}\`)`,
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
    decisions.push({
      key,
      alias,
      action: 'schedule-deletion',
      reason:
        `${base}: ${alias} points at ${target}, so this is an extra key the toolkit made for it ` +
        `(a retried or racing CreateKey); apply disables it and schedules its deletion in ` +
        `${LEFTOVER_DELETION_DAYS} days (undo: \`${undoDeletionCommand(key.keyId)}\`)`,
    });
  }
  return decisions;
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
    purpose: (tags[TAG_KEYS.purpose] ?? 'signer') as KeyPurpose,
    ...(tags[TAG_KEYS.network] ? { network: tags[TAG_KEYS.network] } : {}),
    ...(tags[TAG_KEYS.keyName] ? { keyName: tags[TAG_KEYS.keyName] as string } : {}),
    tags: { ...tags },
    keyId: key.keyId,
    ...(key.info?.arn ? { arn: key.info.arn } : {}),
    ...(key.info?.keyState ? { keyState: key.info.keyState } : {}),
    leftover: action,
  };
}
