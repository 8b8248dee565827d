import type { KmsKeyInfo } from '../../aws/kms-types.js';
import { ROTATION_TAG, TAG_KEYS } from '../../inventory/tags.js';
import type { RotationSpec } from '../../inventory/rotations.js';
import { chooseKey, undoDeletionCommand, type FoundKey } from './leftovers.js';
import type { RotationDetail, RotationStep } from './rotation-types.js';
import { KEY_CHANGE_KIND, baseDetail, type KeyChange } from './types.js';

/**
 * A key rotation in two approved steps (issue 26 item 1, DESIGN §3 "Lifecycle"), planned from
 * what was read; pure. `staged`: a second key for the alias, tagged `nomad:rotation=staged`,
 * beside the one that holds it. `switched`: five steps, each one safe to repeat and each
 * leaving tags that tell the next run where it stopped:
 *
 * 1. `mark-retired`: the old key gets `nomad:rotation=retired`, `retired-from`, `retired-at`;
 * 2. `move-alias`: UpdateAlias onto the staged key;
 * 3. `unmark-staged`: the new key gets `nomad:aliased=true` and loses `nomad:rotation`;
 * 4. `untag-alias`: the old key loses `nomad:alias` and `nomad:aliased`;
 * 5. `retire`: the old key is disabled and its deletion scheduled after the grace period.
 *
 * The bank's alias is moved by the Keymaster after it moved the money (bank rotation); once it
 * has, the same steps 1, 3, 4, 5 finish the bank's switch here.
 */

/** What was read for one rotation. */
export interface RotationRead {
  /** The key the alias points at (absent: the alias does not exist). */
  current?: { keyId: string; tags: Record<string, string> | 'gone' | 'denied'; address?: string };
  /** The environment's keys no alias points at that carry `nomad:rotation` for this alias. */
  keys: FoundKey[];
  /** Addresses read of those keys, by key id. */
  addresses: ReadonlyMap<string, string>;
  /**
   * Keys made for the alias that held it and lost it without being marked retired: the old bank
   * after the Keymaster moved the bank's alias (it does not run step 1). Absent for agent keys,
   * whose switch marks the old key before it moves the alias.
   */
  displaced?: FoundKey[];
}

/**
 * Found keys an alias left without a retired mark while its switch is declared and the alias
 * already points at the staged key (the bank's case): the switch's old key.
 */
export function displacedBy(
  alias: string,
  currentTags: Record<string, string> | 'gone' | 'denied' | undefined,
  found: readonly FoundKey[],
): FoundKey[] {
  if (typeof currentTags !== 'object' || currentTags[TAG_KEYS.rotation] !== ROTATION_TAG.staged) {
    return [];
  }
  return found.filter(
    (f) =>
      f.tags[TAG_KEYS.alias] === alias &&
      f.tags[TAG_KEYS.rotation] === undefined &&
      f.tags[TAG_KEYS.aliased] !== 'false' &&
      !gone(f.info),
  );
}

const isRotation = (f: FoundKey, value: string) => f.tags[TAG_KEYS.rotation] === value;
const gone = (info: KmsKeyInfo | undefined) =>
  !info || info.keyState === 'PendingDeletion' || info.keyState === 'PendingReplicaDeletion';

/** Whether a found key is part of a rotation of `alias` (staged for it, or retired from it). */
export function isRotationKeyOf(alias: string, tags: Record<string, string>): boolean {
  return (
    (tags[TAG_KEYS.rotation] === ROTATION_TAG.staged && tags[TAG_KEYS.alias] === alias) ||
    (tags[TAG_KEYS.rotation] === ROTATION_TAG.retired && tags[TAG_KEYS.retiredFrom] === alias)
  );
}

export function planRotation(
  rotation: RotationSpec,
  read: RotationRead,
  region: string,
  gracePeriodDays: number,
): KeyChange {
  const { key } = rotation;
  const alias = key.alias;
  const staged = read.keys.filter((f) => isRotation(f, ROTATION_TAG.staged) && !gone(f.info));
  const kept = chooseKey(
    staged.map((f) => ({ keyId: f.keyId, creationDate: f.info?.creationDate })),
  );
  const extras = staged.filter((f) => f.keyId !== kept?.keyId);
  const retiredKeys = read.keys.filter((f) => isRotation(f, ROTATION_TAG.retired));
  const addressOf = (keyId: string) => read.addresses.get(keyId);
  const current = read.current;
  const currentTags = current && typeof current.tags === 'object' ? current.tags : {};
  const currentRotation = currentTags[TAG_KEYS.rotation];
  const detail: RotationDetail = {
    state: rotation.state,
    reason: rotation.reason,
    steps: extras.map((f) => ({ op: 'retire-extra', keyId: f.keyId, days: gracePeriodDays })),
  };
  if (current) {
    detail.current = {
      keyId: current.keyId,
      ...(current.address ? { address: current.address } : {}),
    };
  }
  if (kept) detail.next = withAddress(kept.keyId, addressOf(kept.keyId));
  const change = (action: KeyChange['action'], reason: string): KeyChange => ({
    kind: KEY_CHANGE_KIND.kms,
    id: `${alias} rotation`,
    action: action === 'exists' && detail.steps.length > 0 ? 'update' : action,
    reason: `${rotation.state} (${rotation.reason}): ${reason}`,
    detail: { ...baseDetail(key, 'kms', region), rotation: detail },
  });

  if (!current) {
    return change(
      'broken',
      `${alias} does not exist, so there is no key to rotate: remove the rotation, apply (which ` +
        'creates the key), and declare the rotation again when the key must change',
    );
  }
  if (typeof current.tags !== 'object') {
    return change(
      'broken',
      `the tags of key ${current.keyId}, which ${alias} points at, could not be read (${current.tags}): ` +
        'the rotation cannot tell where it stands; give the plan role kms:ListResourceTags on it',
    );
  }
  const arrow = `${current.address ?? current.keyId} → ${kept ? (addressOf(kept.keyId) ?? kept.keyId) : 'a new key'}`;
  const enrol =
    key.purpose === 'attestation'
      ? '; governance must enrol the new address as this attester before the switch (runbook)'
      : '';

  if (rotation.state === 'staged') {
    if (currentRotation === ROTATION_TAG.staged || currentRotation === ROTATION_TAG.retired) {
      return change(
        'broken',
        `${alias} points at key ${current.keyId}, which is marked ${currentRotation}: a switch ` +
          'was started; declare the rotation switched to finish it',
      );
    }
    if (!kept) {
      detail.steps.push({ op: 'create-staged' });
      return change('create', `stage a new key for ${alias} beside key ${current.keyId}${enrol}`);
    }
    return change(
      'exists',
      `key ${kept.keyId} is staged for ${alias} (${arrow})${enrol}; the alias, the agents and IAM ` +
        'are unchanged until the rotation is declared switched',
    );
  }

  // switched
  const retire = (f: FoundKey): RotationStep[] => {
    const steps: RotationStep[] = [];
    if (f.tags[TAG_KEYS.alias] !== undefined || f.tags[TAG_KEYS.aliased] !== undefined) {
      steps.push({ op: 'untag-alias', keyId: f.keyId });
    }
    if (!gone(f.info)) steps.push({ op: 'retire', keyId: f.keyId, days: gracePeriodDays });
    return steps;
  };
  if (currentRotation === ROTATION_TAG.staged || currentRotation === undefined) {
    const onStaged = currentRotation === ROTATION_TAG.staged;
    if (!onStaged && !kept) {
      // Done, or never staged.
      if (retiredKeys.length === 0) {
        return change(
          'broken',
          `no key is staged for ${alias}: a rotation is two approved steps; declare it staged, ` +
            'apply, and declare it switched in a later pull request',
        );
      }
      const old = chooseKey(
        retiredKeys.map((f) => ({ keyId: f.keyId, creationDate: f.info?.creationDate })),
      )!;
      const oldKey = retiredKeys.find((f) => f.keyId === old.keyId)!;
      detail.next = withAddress(current.keyId, current.address);
      detail.retired = {
        ...withAddress(oldKey.keyId, addressOf(oldKey.keyId)),
        ...(oldKey.info?.deletionDate ? { deletionDate: oldKey.info.deletionDate } : {}),
      };
      detail.steps.push(...retiredKeys.flatMap(retire));
      const when = oldKey.info?.deletionDate ? ` on ${oldKey.info.deletionDate}` : '';
      return change(
        detail.steps.length ? 'update' : 'exists',
        detail.steps.length
          ? `${alias} points at the new key ${current.keyId}; retire the old key ${oldKey.keyId}`
          : `${alias} points at the new key ${current.keyId}; the old key ${oldKey.keyId} is ` +
              `disabled and deleted${when} (undo: \`${undoDeletionCommand(oldKey.keyId)}\`); ` +
              'remove the rotation from the file',
      );
    }
    if (onStaged) {
      // The alias moved (by this switch, or by the Keymaster for the bank): finish.
      detail.next = withAddress(current.keyId, current.address);
      const displaced = read.displaced ?? [];
      const old = retiredKeys[0] ?? displaced[0];
      if (old) detail.current = withAddress(old.keyId, addressOf(old.keyId));
      detail.steps.push(
        ...displaced.map((f): RotationStep => ({ op: 'mark-retired', keyId: f.keyId })),
      );
      detail.steps.push({ op: 'unmark-staged', keyId: current.keyId });
      detail.steps.push(...retiredKeys.flatMap(retire));
      detail.steps.push(
        ...displaced.flatMap((f): RotationStep[] => [
          { op: 'untag-alias', keyId: f.keyId },
          { op: 'retire', keyId: f.keyId, days: gracePeriodDays },
        ]),
      );
      return change(
        'update',
        `${alias} already points at the staged key ${current.keyId}; finish the switch`,
      );
    }
    // The alias is on the old key, not yet marked.
    if (rotation.bank) {
      return change(
        'exists',
        `the bank's switch is the Keymaster's (${arrow}): it moves each chain's balance to the ` +
          'staged key, then the alias; the next apply retires the old bank',
      );
    }
    detail.steps.push(
      { op: 'mark-retired', keyId: current.keyId },
      { op: 'move-alias', keyId: kept!.keyId },
      { op: 'unmark-staged', keyId: kept!.keyId },
      { op: 'untag-alias', keyId: current.keyId },
      { op: 'retire', keyId: current.keyId, days: gracePeriodDays },
    );
    return change(
      'update',
      `switch ${alias} (${arrow}); the old key is disabled and deleted after ${gracePeriodDays} days`,
    );
  }
  // The alias is on a key marked retired: step 1 done.
  if (!kept) {
    return change(
      'broken',
      `${alias} points at key ${current.keyId}, marked retired, and no key is staged for it: ` +
        'move the rotation back to staged so apply stages a new key',
    );
  }
  if (rotation.bank) {
    return change('exists', `the bank's switch is the Keymaster's (${arrow})`);
  }
  detail.steps.push(
    { op: 'move-alias', keyId: kept.keyId },
    { op: 'unmark-staged', keyId: kept.keyId },
    { op: 'untag-alias', keyId: current.keyId },
    { op: 'retire', keyId: current.keyId, days: gracePeriodDays },
  );
  return change('update', `finish switching ${alias} (${arrow})`);
}

const withAddress = (keyId: string, address: string | undefined) => ({
  keyId,
  ...(address ? { address } : {}),
});

export function describeRotationStep(step: RotationStep, change: KeyChange): string {
  const alias = change.detail.alias;
  switch (step.op) {
    case 'create-staged':
      return `CreateKey staged for ${alias}`;
    case 'mark-retired':
      return `tag key ${step.keyId} retired from ${alias}`;
    case 'move-alias':
      return `UpdateAlias ${alias} → ${step.keyId}`;
    case 'unmark-staged':
      return `tag key ${step.keyId} as holding ${alias}`;
    case 'untag-alias':
      return `untag ${alias} from key ${step.keyId}`;
    case 'retire':
    case 'retire-extra':
      return `DisableKey and ScheduleKeyDeletion (${step.days} days) ${step.keyId}`;
  }
}
