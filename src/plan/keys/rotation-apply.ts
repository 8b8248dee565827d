import type { KmsKeyStore } from '../../aws/kms-types.js';
import { OperationError } from '../../errors.js';
import type { RotationSpec } from '../../inventory/rotations.js';
import { ROTATION_TAG, TAG_KEYS } from '../../inventory/tags.js';
import { createKeyFor } from './kms-create.js';
import type { KmsState } from './kms-read.js';
import { displacedBy, isRotationKeyOf, planRotation, type RotationRead } from './rotation.js';
import type { RotationDetail, RotationStep } from './rotation-types.js';
import { rowOf } from './rows.js';
import type { KeyChange, KeyRow } from './types.js';

/**
 * The reads and writes of key rotations (the decisions are in `rotation.ts`). Per declared
 * rotation: the tags of the key its alias points at, and the addresses of the keys staged for it
 * or retired from it. Nothing is read for a file that declares none.
 */
export async function readRotations(
  rotations: readonly RotationSpec[],
  store: KmsKeyStore,
  state: KmsState,
): Promise<Map<string, RotationRead>> {
  const targets = new Map(state.aliases.map((a) => [a.aliasName, a.targetKeyId]));
  const reads = await Promise.all(
    rotations.map(async ({ key }): Promise<[string, RotationRead]> => {
      const keyId = targets.get(key.alias);
      const tags = keyId ? await store.readTags(keyId) : undefined;
      const displaced = displacedBy(key.alias, tags, state.found);
      const keys = state.found.filter((f) => isRotationKeyOf(key.alias, f.tags));
      const addresses = new Map<string, string>();
      await Promise.all(
        keys
          .filter((f) => f.info?.keyState === 'Enabled')
          .map(async (f) => {
            const read = await store.readPublicKey(f.keyId);
            if (read.state === 'usable' && read.address) addresses.set(f.keyId, read.address);
          }),
      );
      if (!keyId || !tags) return [key.alias, { keys, addresses }];
      const aliased = state.aliased.get(key.alias);
      const address = aliased?.kind === 'public' ? aliased.key.address : undefined;
      return [
        key.alias,
        { current: { keyId, tags, ...(address ? { address } : {}) }, keys, addresses, displaced },
      ];
    }),
  );
  return new Map(reads);
}

/** The rotation changes of a plan, one per declared rotation. */
export function planRotations(
  rotations: readonly RotationSpec[],
  reads: ReadonlyMap<string, RotationRead>,
  region: string,
  gracePeriodDays: number,
): KeyChange[] {
  return rotations.map((r) =>
    planRotation(
      r,
      reads.get(r.key.alias) ?? { keys: [], addresses: new Map() },
      region,
      gracePeriodDays,
    ),
  );
}

export const rotationStepsOf = (change: KeyChange): RotationStep[] =>
  change.detail?.rotation?.steps ?? [];

export interface RotationApplyContext {
  store: KmsKeyStore;
  runId: string;
  /** ISO time for `nomad:retired-at`. */
  now: () => string;
}

/**
 * One step of a rotation; each is safe to run again after a crash (the plan re-reads first).
 * Returns the rotation's row as the step left it.
 */
export async function runRotationStep(
  step: RotationStep,
  change: KeyChange,
  ctx: RotationApplyContext,
): Promise<KeyRow> {
  const { store } = ctx;
  const detail = change.detail;
  const rotation = detail.rotation!;
  const alias = detail.alias;
  let outcome: RotationDetail = rotation;
  switch (step.op) {
    case 'create-staged': {
      const created = await createKeyFor(
        { ...detail, tags: { ...detail.tags, [TAG_KEYS.rotation]: ROTATION_TAG.staged } },
        store,
        ctx.runId,
      );
      if (!created.keyId) {
        throw new OperationError(
          `stage ${alias}: ${created.note ?? 'CreateKey answered no key'}; apply again (a key it made is found by its tags)`,
        );
      }
      const address = await store.publicAddress(created.keyId);
      outcome = { ...rotation, next: { keyId: created.keyId, address } };
      break;
    }
    case 'mark-retired':
      await store.tagKey(step.keyId, {
        [TAG_KEYS.rotation]: ROTATION_TAG.retired,
        [TAG_KEYS.retiredFrom]: alias,
        [TAG_KEYS.retiredAt]: ctx.now(),
      });
      break;
    case 'move-alias':
      await store.updateAlias(alias, step.keyId);
      break;
    case 'unmark-staged':
      await store.tagKey(step.keyId, { [TAG_KEYS.aliased]: 'true' });
      await store.untagKey(step.keyId, [TAG_KEYS.rotation]);
      break;
    case 'untag-alias':
      await store.untagKey(step.keyId, [TAG_KEYS.alias, TAG_KEYS.aliased]);
      break;
    case 'retire':
    case 'retire-extra': {
      const deletionDate = await store.retireKey(step.keyId, step.days);
      if (step.op === 'retire') {
        outcome = {
          ...rotation,
          retired: { keyId: step.keyId, ...(deletionDate ? { deletionDate } : {}) },
        };
      }
      break;
    }
  }
  return rowOf({ ...detail, rotation: outcome }, rotation.state, change.reason);
}
