import { randomUUID } from 'node:crypto';
import {
  ETHEREUM_KEY_SPEC,
  ETHEREUM_KEY_USAGE,
  type KmsKeyInfo,
  type KmsKeyStore,
} from '../aws/kms.js';
import { AliasExistsError, AmbiguousWriteError } from '../aws/key-store-errors.js';
import { TAG_KEYS } from '../inventory/tags.js';
import type { Change } from './change.js';
import {
  chooseTrustedKey,
  kmsKeyProblem,
  searchEnvironmentKeys,
  type EnvironmentKeySearch,
} from './keys-kms.js';
import {
  LEFTOVER_DELETION_DAYS,
  decideLeftovers,
  leftoverDetail,
  undoDeletionCommand,
} from './keys-leftovers.js';
import type { KeyDetail, KeyStatus } from './keys-types.js';

type KeyChange = Change<KeyDetail>;

/**
 * Applies a KMS key plan so that every alias ends with exactly one key, whatever is lost or
 * raced (DESIGN §3):
 *
 * 1. CreateKey for each missing alias, sent once, the key tagged with this run's id. An
 *    ambiguous failure (5xx, timeout, dropped connection) is resolved by looking the key up by
 *    the alias and run tags; only when no such key exists is CreateKey sent again.
 * 2. One listing of the environment's keys no alias points at.
 * 3. Per alias, the oldest usable key tagged for it is aliased. An alias that exists already (a
 *    lost CreateAlias answer, or another run) is read: pointing at our choice it is done, at
 *    another key it is a race, reported with both ids.
 * 4. A fresh listing: every other key the toolkit made for an alias that now points elsewhere is
 *    disabled and scheduled for deletion in 30 days, reported with the command that undoes it.
 *    Never a key an alias points at, never a key without the toolkit's tags.
 *
 * A plan with nothing to create, adopt or retire makes no call.
 */

/** CreateKey rounds for an alias whose CreateKey keeps failing ambiguously without a key. */
const CREATE_ROUNDS = 3;

export interface KmsOutcome {
  detail: KeyDetail;
  status: KeyStatus;
  reason?: string;
}

export interface KmsApplyOptions {
  /** Tags each created key (`nomad:created-by-run`); default a random UUID. */
  runId?: string;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Our tags for the alias, all of them, on the key. */
function taggedFor(detail: KeyDetail, tags: Record<string, string>): boolean {
  return Object.entries(detail.tags).every(([name, value]) => tags[name] === value);
}

interface Created {
  keyId?: string;
  /** Why no key: a plain failure of CreateKey. */
  error?: string;
  /** How an ambiguous failure was resolved. */
  note?: string;
}

async function createKeys(
  creates: KeyChange[],
  store: KmsKeyStore,
  runId: string,
  environment: string | undefined,
): Promise<Map<string, Created>> {
  const created = new Map<string, Created>();
  let pending = creates;
  const lastAmbiguity = new Map<string, string>();
  for (let round = 1; pending.length > 0 && round <= CREATE_ROUNDS; round++) {
    const ambiguous: KeyChange[] = [];
    await Promise.all(
      pending.map(async (change) => {
        const detail = change.detail!;
        try {
          const key = await store.createKey({
            description: detail.description,
            tags: { ...detail.tags, [TAG_KEYS.createdByRun]: runId },
          });
          created.set(detail.alias, { keyId: key.keyId });
        } catch (error) {
          if (error instanceof AmbiguousWriteError) {
            lastAmbiguity.set(detail.alias, error.message);
            ambiguous.push(change);
          } else {
            created.set(detail.alias, { error: message(error) });
          }
        }
      }),
    );
    pending = [];
    if (ambiguous.length === 0) break;
    // Before anything else: did KMS create the key whose answer was lost?
    const search = await searchEnvironmentKeys(store, environment);
    for (const change of ambiguous) {
      const { alias } = change.detail!;
      const mine = search.found.find(
        (f) => f.tags[TAG_KEYS.alias] === alias && f.tags[TAG_KEYS.createdByRun] === runId,
      );
      if (mine) {
        created.set(alias, {
          keyId: mine.keyId,
          note: `CreateKey's answer was lost but KMS had created key ${mine.keyId}: found by its tags`,
        });
      } else if (search.aliases.some((a) => a.aliasName === alias)) {
        created.set(alias, { note: `${alias} appeared meanwhile (another run)` });
      } else {
        pending.push(change);
      }
    }
  }
  for (const change of pending) {
    const { alias } = change.detail!;
    created.set(alias, {
      error:
        `${lastAmbiguity.get(alias) ?? 'CreateKey failed'}; after ${CREATE_ROUNDS} attempts no ` +
        'key with this run’s tags exists, so none was created: apply again when KMS is healthy',
    });
  }
  return created;
}

function withKey(detail: KeyDetail, info: KmsKeyInfo, address: string): KeyDetail {
  return {
    ...detail,
    keyId: info.keyId,
    arn: info.arn,
    description: info.description,
    keySpec: info.keySpec ?? ETHEREUM_KEY_SPEC,
    keyUsage: info.keyUsage ?? ETHEREUM_KEY_USAGE,
    ...(info.keyState ? { keyState: info.keyState } : {}),
    address,
  };
}

/**
 * The alias exists (found by the listing, or CreateAlias answered AlreadyExists): read what it
 * points at. Our choice or this run's own key: done (a lost answer, or a parallel run that chose
 * the same key). Another key: a race, reported with both ids; ours becomes a leftover.
 */
async function settleExistingAlias(
  change: KeyChange,
  store: KmsKeyStore,
  ours: { chosen?: KmsKeyInfo; created?: Created },
): Promise<KmsOutcome> {
  const detail = change.detail!;
  const target = await store.describeKey(detail.alias);
  if (!target) {
    return {
      detail,
      status: 'failed',
      reason: `${detail.alias} existed a moment ago and is gone now: apply again`,
    };
  }
  if (target.keyId === ours.chosen?.keyId || target.keyId === ours.created?.keyId) {
    return aliased(change, store, target, ours.created);
  }
  const mine = ours.created?.keyId ?? ours.chosen?.keyId;
  const race =
    `${detail.alias} was created meanwhile by another run, pointing at key ${target.keyId}` +
    (mine ? `; this run's key ${mine} is an extra key, handled as a leftover` : '');
  const problem = kmsKeyProblem(detail.alias, target);
  if (problem) {
    return {
      detail: { ...detail, keyId: target.keyId, arn: target.arn },
      status: 'broken',
      reason: `${race}; ${problem}`,
    };
  }
  const address = await store.publicAddress(target.keyId);
  return { detail: withKey(detail, target, address), status: 'exists', reason: race };
}

/** The alias points at `key`: the row says created (this run's own key) or adopted. */
async function aliased(
  change: KeyChange,
  store: KmsKeyStore,
  key: KmsKeyInfo,
  created: Created | undefined,
): Promise<KmsOutcome> {
  const detail = change.detail!;
  const address = await store.publicAddress(key.keyId);
  const ownKey = change.action === 'create' && created?.keyId === key.keyId;
  const notes = [
    created?.note,
    change.action === 'create' && !ownKey
      ? `aliased key ${key.keyId}, the oldest tagged for ${detail.alias} (made by an earlier or ` +
        'parallel run)' +
        (created?.keyId
          ? `; this run's key ${created.keyId} is an extra key, handled as a leftover`
          : '')
      : undefined,
  ].filter(Boolean);
  const reason = notes.length
    ? notes.join('; ')
    : change.action === 'adopt'
      ? change.reason
      : undefined;
  return {
    detail: withKey(detail, key, address),
    status: ownKey ? 'created' : 'adopted',
    ...(reason ? { reason } : {}),
  };
}

async function aliasOne(
  change: KeyChange,
  store: KmsKeyStore,
  search: EnvironmentKeySearch,
  created: Created | undefined,
): Promise<KmsOutcome> {
  const detail = change.detail!;
  if (created?.error) return { detail, status: 'failed', reason: created.error };
  const candidates = search.found
    .filter((f) => f.info && taggedFor(detail, f.tags) && !kmsKeyProblem(detail.alias, f.info))
    .map((f) => f.info!);
  const environment = detail.tags[TAG_KEYS.environment] ?? '';
  const { chosen } = await chooseTrustedKey(
    { alias: detail.alias, environment },
    candidates,
    store,
  );
  if (search.aliases.some((a) => a.aliasName === detail.alias)) {
    return settleExistingAlias(change, store, { ...(chosen ? { chosen } : {}), created });
  }
  if (!chosen) {
    return {
      detail,
      status: 'failed',
      reason:
        `no usable key tagged for ${detail.alias} was found` +
        (created?.keyId ? ` (not even ${created.keyId}, just created: KMS may lag)` : '') +
        ': apply again; it adopts the key by its tags and creates no other',
    };
  }
  try {
    await store.createAlias(detail.alias, chosen.keyId);
  } catch (error) {
    if (error instanceof AliasExistsError) {
      // Our own CreateAlias whose answer was lost, or another run: the alias says which.
      return settleExistingAlias(change, store, { chosen, created });
    }
    return {
      detail,
      status: 'failed',
      reason:
        `${message(error)}; key ${chosen.keyId} is left without ${detail.alias}: apply again, ` +
        'it adopts that key by its tags and creates no other',
    };
  }
  return aliased(change, store, chosen, created);
}

async function retireLeftovers(
  inventory: KeyChange[],
  store: KmsKeyStore,
  environment: string | undefined,
): Promise<KmsOutcome[]> {
  const after = await searchEnvironmentKeys(store, environment);
  const targets = new Map(after.aliases.map((a) => [a.aliasName, a.targetKeyId]));
  const decisions = decideLeftovers(after.found, {
    inventory: new Set(inventory.map((c) => c.detail!.alias)),
    targetOf: (alias) => targets.get(alias),
    keep: new Set(),
  });
  return Promise.all(
    decisions.map(async (decision): Promise<KmsOutcome> => {
      if (decision.action === 'keep') {
        return {
          detail: leftoverDetail(decision, store.region, 'keep'),
          status: 'leftover',
          reason: decision.reason,
        };
      }
      const detail = leftoverDetail(decision, store.region, 'schedule-deletion');
      const keyId = decision.key.keyId;
      try {
        const deletionDate = await store.retireKey(keyId, LEFTOVER_DELETION_DAYS);
        return {
          detail: {
            ...detail,
            keyState: 'PendingDeletion',
            ...(deletionDate ? { deletionDate } : {}),
          },
          status: 'scheduled',
          reason:
            `extra key ${keyId} tagged for ${decision.alias}, which points at ` +
            `${targets.get(decision.alias)}: disabled and scheduled for deletion` +
            (deletionDate ? ` on ${deletionDate}` : ` in ${LEFTOVER_DELETION_DAYS} days`) +
            `; to undo: \`${undoDeletionCommand(keyId)}\``,
        };
      } catch (error) {
        return {
          detail,
          status: 'failed',
          reason: `could not retire extra key ${keyId} tagged for ${decision.alias}: ${message(error)}; apply again`,
        };
      }
    }),
  );
}

/** Carries out a KMS key plan (see above); one outcome per inventory key, then the leftovers. */
export async function applyKmsChanges(
  changes: KeyChange[],
  store: KmsKeyStore,
  options: KmsApplyOptions = {},
): Promise<KmsOutcome[]> {
  const inventory = changes.filter((c) => !c.detail?.leftover);
  const leftovers = changes.filter((c) => c.detail?.leftover);
  const toAlias = inventory.filter((c) => c.action === 'create' || c.action === 'adopt');
  const passThrough = (c: KeyChange): KmsOutcome => {
    if (c.detail?.leftover) return { detail: c.detail, status: 'leftover', reason: c.reason };
    if (c.action === 'broken') return { detail: c.detail!, status: 'broken', reason: c.reason };
    return { detail: c.detail!, status: 'exists' };
  };
  if (toAlias.length === 0 && !leftovers.some((c) => c.action === 'remove')) {
    return changes.map(passThrough);
  }

  const environment = inventory[0]?.detail?.tags[TAG_KEYS.environment];
  const runId = options.runId ?? randomUUID();
  const created = await createKeys(
    toAlias.filter((c) => c.action === 'create'),
    store,
    runId,
    environment,
  );
  const search = toAlias.length ? await searchEnvironmentKeys(store, environment) : undefined;
  const aliasedOutcomes = new Map<KeyChange, KmsOutcome>();
  await Promise.all(
    toAlias.map(async (change) => {
      let outcome: KmsOutcome;
      try {
        outcome = await aliasOne(change, store, search!, created.get(change.detail!.alias));
      } catch (error) {
        outcome = { detail: change.detail!, status: 'failed', reason: message(error) };
      }
      aliasedOutcomes.set(change, outcome);
    }),
  );
  let retired: KmsOutcome[];
  try {
    retired = await retireLeftovers(inventory, store, environment);
  } catch (error) {
    retired = leftovers.map((c) => ({
      detail: c.detail!,
      status: 'failed' as const,
      reason: `could not list the environment's keys to retire extras: ${message(error)}; apply again`,
    }));
  }
  return [...inventory.map((c) => aliasedOutcomes.get(c) ?? passThrough(c)), ...retired];
}
