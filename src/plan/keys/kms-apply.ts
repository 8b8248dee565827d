import { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from '../../aws/kms.js';
import { type KmsKeyInfo, type KmsKeyStore } from '../../aws/kms-types.js';
import { AliasExistsError } from '../../aws/key-store-errors.js';
import { errorMessage, OperationError } from '../../errors.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../inventory/tags.js';
import { kmsKeyProblem } from './kms.js';
import { createKeyFor, type Created } from './kms-create.js';
import { LEFTOVER_DELETION_DAYS, undoDeletionCommand } from './leftovers.js';
import { rowOf, type KeyOutcome } from './rows.js';
import type { KeyChange, KeyDetail, KeyRow } from './types.js';

/**
 * The steps of a KMS key plan, run by `reconcile` so that every alias ends with exactly one key,
 * whatever is lost or raced (DESIGN §3):
 *
 * - create: CreateKey (tagged with this run's id; an ambiguous failure resolved by the tags, see
 *   `createKeyFor`), then at once CreateAlias onto it: a key is without its alias only for the
 *   round trip between the two.
 * - adopt: CreateAlias onto the key the plan chose (the oldest trusted key tagged for the alias).
 * - An alias that exists already when CreateAlias is sent (a lost answer, or another run) is
 *   read: pointing at our key it is done, at another key it is a race, reported with both ids,
 *   and our key becomes a leftover.
 * - retire (a leftover: a key the toolkit made for an alias that points at another key):
 *   DisableKey and ScheduleKeyDeletion in 30 days, reported with the command that undoes it.
 *   Never a key an alias points at, never a key without the toolkit's tags.
 * - retire an orphan (`--prune`): DeleteAlias first when its alias is still there (no signer
 *   policy's `alias/{env}-*` pattern matches it from then on, and the apply role may disable
 *   only a key no alias points at), then DisableKey and ScheduleKeyDeletion after the file's
 *   `keys.gracePeriodDays`. A run stopped between the two finds an unaliased orphan and retires
 *   it then.
 */

export type KmsStep =
  | { op: 'create-key' }
  | { op: 'alias' }
  | { op: 'unalias'; alias: string }
  | { op: 'retire'; keyId: string; days: number };

/** What one apply's steps share: the store, this run's id, the key each CreateKey made. */
export interface KmsApplyContext {
  store: KmsKeyStore;
  /** Tags each created key (`nomad:created-by-run`). */
  runId: string;
  /** Per alias: what its create-key step made, for its alias step. */
  created: Map<string, Created>;
}

export function kmsStepsOf(change: KeyChange): KmsStep[] {
  const detail = change.detail;
  if (detail.leftover) {
    if (change.action !== 'remove' || !detail.keyId) return [];
    const orphan = detail.orphaned;
    const retire: KmsStep = {
      op: 'retire',
      keyId: detail.keyId,
      days: orphan?.deletionDays ?? LEFTOVER_DELETION_DAYS,
    };
    return orphan?.aliased ? [{ op: 'unalias', alias: detail.alias }, retire] : [retire];
  }
  if (change.action === 'create') return [{ op: 'create-key' }, { op: 'alias' }];
  if (change.action === 'adopt') return [{ op: 'alias' }];
  return [];
}

export function describeKmsStep(step: KmsStep, change: KeyChange): string {
  const alias = change.detail.alias;
  if (step.op === 'create-key') return `CreateKey for ${alias}`;
  if (step.op === 'alias') return `CreateAlias ${alias}`;
  if (step.op === 'unalias') return `DeleteAlias ${step.alias} of orphaned key`;
  return `retire extra key ${step.keyId} of ${alias}`;
}

/** Runs one step; the alias and retire steps say what the key ended as (the row). */
export async function runKmsStep(
  step: KmsStep,
  change: KeyChange,
  ctx: KmsApplyContext,
): Promise<KeyOutcome> {
  const detail = change.detail;
  if (step.op === 'create-key') {
    ctx.created.set(detail.alias, await createKeyFor(detail, ctx.store, ctx.runId));
    return undefined;
  }
  if (step.op === 'alias') return aliasOne(change, ctx);
  if (step.op === 'unalias') return unalias(step.alias, change, ctx.store);
  return retire(change, step.keyId, step.days, ctx.store);
}

function withKey(detail: KeyDetail, info: KmsKeyInfo, address: string): KeyDetail {
  return {
    ...detail,
    keyId: info.keyId,
    arn: info.arn,
    description: info.description || detail.description,
    keySpec: info.keySpec ?? ETHEREUM_KEY_SPEC,
    keyUsage: info.keyUsage ?? ETHEREUM_KEY_USAGE,
    ...(info.keyState ? { keyState: info.keyState } : {}),
    address,
  };
}

/** The key a change aliases: this run's new key, or the one the plan chose for adoption. */
function ourKey(change: KeyChange, created: Created | undefined): KmsKeyInfo | undefined {
  const detail = change.detail;
  if (change.action === 'create') return created?.info;
  if (!detail.keyId || !detail.arn) return undefined;
  return {
    keyId: detail.keyId,
    arn: detail.arn,
    description: detail.description,
    keySpec: detail.keySpec,
    keyUsage: detail.keyUsage,
    keyState: detail.keyState,
  };
}

async function aliasOne(change: KeyChange, ctx: KmsApplyContext): Promise<KeyRow> {
  const detail = change.detail;
  const created = ctx.created.get(detail.alias);
  if (created?.aliasAppeared) return settleExistingAlias(change, ctx.store, created);
  const ours =
    ourKey(change, created) ??
    (created?.keyId ? await ctx.store.describeKey(created.keyId) : undefined);
  if (!ours) {
    throw new OperationError(
      `no key to alias for ${detail.alias}` +
        (created?.keyId ? ` (${created.keyId}, just created, is not found: KMS may lag)` : '') +
        ': apply again; it adopts a key tagged for the alias and creates no other',
    );
  }
  try {
    await ctx.store.createAlias(detail.alias, ours.keyId);
  } catch (error) {
    // Our own CreateAlias whose answer was lost, or another run: the alias says which.
    if (error instanceof AliasExistsError) return settleExistingAlias(change, ctx.store, created);
    throw new OperationError(
      `${errorMessage(error)}; key ${ours.keyId} is left without ${detail.alias}: apply again, ` +
        'it adopts that key by its tags and creates no other',
      { cause: error },
    );
  }
  await recordAliased(change, ours.keyId, ctx.store);
  const address = detail.address ?? (await ctx.store.publicAddress(ours.keyId));
  return aliased(change, ours, address, created);
}

/**
 * Right after CreateAlias succeeded: the key holds its alias, so it is never retired as an extra
 * (`nomad:aliased` true). A new key says false from CreateKey; a key adopted with true keeps it.
 */
async function recordAliased(change: KeyChange, keyId: string, store: KmsKeyStore) {
  const detail = change.detail;
  if (change.action !== 'create' && !detail.markAliased) return;
  try {
    await store.tagKey(keyId, aliasRecord(detail, 'true'));
  } catch (error) {
    throw new OperationError(
      `${detail.alias} now points at key ${keyId}, but recording that failed ` +
        `(${errorMessage(error)}): record it by hand, \`aws kms tag-resource --key-id ${keyId} ` +
        `--tags TagKey=${TAG_KEYS.aliased},TagValue=true\`, so the key is never taken for an extra`,
      { cause: error },
    );
  }
}

/** The alias points at `key`, this run's own (created) or the planned one (adopted). */
function aliased(
  change: KeyChange,
  key: KmsKeyInfo,
  address: string,
  created: Created | undefined,
): KeyRow {
  const reason = created?.note ?? (change.action === 'adopt' ? change.reason : undefined);
  const detail = withKey(change.detail, key, address);
  return rowOf(detail, change.action === 'create' ? 'created' : 'adopted', reason);
}

/**
 * The alias exists (CreateAlias answered AlreadyExists, or it appeared while CreateKey was
 * resolved): read what it points at. Our key: done (a lost answer, or a parallel run that chose
 * the same key). Another key: a race, reported with both ids; ours becomes a leftover.
 */
async function settleExistingAlias(
  change: KeyChange,
  store: KmsKeyStore,
  created: Created | undefined,
): Promise<KeyRow> {
  const detail = change.detail;
  const target = await store.describeKey(detail.alias);
  if (!target) {
    throw new OperationError(`${detail.alias} existed a moment ago and is gone now: apply again`);
  }
  const mine = change.action === 'create' ? created?.keyId : detail.keyId;
  if (target.keyId === mine) {
    await recordAliased(change, target.keyId, store);
    return aliased(change, target, await store.publicAddress(target.keyId), created);
  }
  const race =
    `${detail.alias} was created meanwhile by another run, pointing at key ${target.keyId}` +
    (mine ? `; this run's key ${mine} is an extra key, handled as a leftover` : '');
  // This run's new key never held the alias: its record still says false, so it is retired as
  // provably extra.
  const problem = kmsKeyProblem(detail.alias, target);
  if (problem) {
    return rowOf(
      { ...detail, keyId: target.keyId, arn: target.arn },
      'broken',
      `${race}; ${problem}`,
    );
  }
  const address = await store.publicAddress(target.keyId);
  return rowOf(withKey(detail, target, address), 'exists', race);
}

/** The `nomad:aliased` record, with the two tags the apply role's TagResource must carry. */
function aliasRecord(detail: KeyDetail, value: 'true'): Record<string, string> {
  return {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [TAG_KEYS.environment]: detail.tags[TAG_KEYS.environment] ?? '',
    [TAG_KEYS.aliased]: value,
  };
}

async function unalias(alias: string, change: KeyChange, store: KmsKeyStore): Promise<undefined> {
  try {
    await store.deleteAlias(alias);
  } catch (error) {
    throw new OperationError(
      `could not remove ${alias} from orphaned key ${change.detail.keyId}: ${errorMessage(error)}; apply again (the key stays enabled until its alias is gone)`,
      { cause: error },
    );
  }
  return undefined;
}

async function retire(
  change: KeyChange,
  keyId: string,
  days: number,
  store: KmsKeyStore,
): Promise<KeyRow> {
  const detail = change.detail;
  const target = detail.aliasTarget;
  let deletionDate: string | undefined;
  try {
    deletionDate = await store.retireKey(keyId, days);
  } catch (error) {
    throw new OperationError(
      `could not retire ${detail.orphaned ? 'orphaned' : 'extra'} key ${keyId} tagged for ${detail.alias}: ${errorMessage(error)}; apply again`,
      { cause: error },
    );
  }
  return rowOf(
    { ...detail, keyState: 'PendingDeletion', ...(deletionDate ? { deletionDate } : {}) },
    'scheduled',
    `${detail.orphaned ? 'orphaned' : 'extra'} key ${keyId} tagged for ${detail.alias}` +
      (target ? `, which points at ${target}` : '') +
      (detail.orphaned?.aliased ? `: alias ${detail.alias} removed, ` : ': ') +
      'disabled and scheduled for deletion' +
      (deletionDate ? ` on ${deletionDate}` : ` in ${days} days`) +
      `; to undo: \`${undoDeletionCommand(keyId)}\``,
  );
}
