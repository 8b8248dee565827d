import { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from '../../aws/kms.js';
import { type KmsKeyInfo, type KmsKeyStore } from '../../aws/kms-types.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, ROTATION_TAG, TAG_KEYS } from '../../inventory/tags.js';
import type { KeySpec } from '../../inventory/types.js';
import {
  chooseKey,
  decideLeftovers,
  leftoverDetail,
  type LeftoverDecision,
  type LeftoverTarget,
} from './leftovers.js';
import {
  readKmsState,
  trustProblem,
  type AliasedRead,
  type KmsReadOptions,
  type KmsState,
} from './kms-read.js';
import { planOrphans, readKmsOrphans } from './orphans.js';
import { KEY_CHANGE_KIND, baseDetail, type KeyChange, type KeyDetail } from './types.js';

/**
 * Why a key cannot be used as an Ethereum signing key, with what to do; undefined if it can.
 * Moto answers only `CustomerMasterKeySpec`: `KmsKeyInfo.keySpec` already falls back to it.
 */
export function kmsKeyProblem(alias: string, key: KmsKeyInfo): string | undefined {
  const move =
    `or point ${alias} at a usable key (\`aws kms update-alias --alias-name ${alias} --target-key-id <key>\`) ` +
    'or delete the alias so a new key is created';
  if (key.keySpec !== ETHEREUM_KEY_SPEC || key.keyUsage !== ETHEREUM_KEY_USAGE) {
    return (
      `${alias} points at key ${key.keyId} with KeySpec ${key.keySpec ?? 'unknown'} and KeyUsage ` +
      `${key.keyUsage ?? 'unknown'}; Ethereum needs ${ETHEREUM_KEY_SPEC} / ${ETHEREUM_KEY_USAGE}, ` +
      `and KMS cannot change a key's spec: ${move.replace(/^or /, '')}`
    );
  }
  if (key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion') {
    return (
      `${alias} points at key ${key.keyId}, which is pending deletion` +
      (key.deletionDate ? ` on ${key.deletionDate}` : '') +
      `: cancel deletion with \`aws kms cancel-key-deletion --key-id ${key.keyId}\` then ` +
      `\`aws kms enable-key --key-id ${key.keyId}\`, ${move}`
    );
  }
  if (key.keyState === 'Disabled') {
    return (
      `${alias} points at key ${key.keyId}, which is disabled: enable it with ` +
      `\`aws kms enable-key --key-id ${key.keyId}\`, ${move}`
    );
  }
  if (key.keyState !== 'Enabled') {
    return `${alias} points at key ${key.keyId} in state ${key.keyState ?? 'unknown'}, not Enabled: ${move.replace(/^or /, '')}`;
  }
  return undefined;
}

/**
 * A key is ours for this alias when it says managed-by nomad-agent-ops and carries every tag we
 * put on keys for this alias, the alias among them.
 */
export function isTaggedFor(key: KeySpec, tags: Record<string, string>): boolean {
  const wanted = Object.entries(key.tags);
  return (
    tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE &&
    tags[TAG_KEYS.alias] === key.alias &&
    wanted.every(([name, value]) => tags[name] === value)
  );
}

/**
 * Keys without an alias whose tags we may not read were not searched for a key an earlier run
 * left behind: say how many, so a reviewer knows the search was partial.
 */
export function unreadableKeysNote(unreadable: readonly string[]): string | undefined {
  if (unreadable.length === 0) return undefined;
  const shown = unreadable.slice(0, 3).join(', ');
  const more = unreadable.length > 3 ? ` and ${unreadable.length - 3} more` : '';
  const count = unreadable.length === 1 ? '1 key' : `${unreadable.length} keys`;
  return (
    `${count} without an alias skipped in the search for keys an earlier run left ` +
    `(${shown}${more}): their key policies refuse these credentials kms:ListResourceTags, so ` +
    'none of them can be adopted'
  );
}

/** The oldest candidate whose access was read and passes; which were passed over and why. */
export function chooseTrusted(
  key: { alias: string; environment: string },
  candidates: readonly KmsKeyInfo[],
  access: KmsState['access'],
  iamErrors?: KmsState['iamErrors'],
): { chosen?: KmsKeyInfo; refused: string[] } {
  const refused: string[] = [];
  let remaining = [...candidates];
  for (;;) {
    const next = chooseKey(remaining);
    if (!next) return { refused };
    const denied = iamErrors?.get(next.keyId);
    if (denied) {
      refused.push(`${next.keyId} (its key policy, grants or tags could not be read: ${denied})`);
      remaining = remaining.filter((k) => k !== next);
      continue;
    }
    const read = access.get(next.keyId);
    // Not read: the reader stopped at an older key that passed, or the key is new.
    if (!read) return { refused };
    const problem = trustProblem(key, next, read);
    if (!problem) return { chosen: next, refused };
    refused.push(`${next.keyId} (${problem.slice(problem.indexOf(': ') + 2)})`);
    remaining = remaining.filter((k) => k !== next);
  }
}

/** Reads what a KMS key plan needs (see `readKmsState`). */
export async function readKms(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  options: KmsReadOptions = {},
): Promise<KmsState> {
  const state = await readKmsState(
    keys,
    store,
    { usable: (alias, info) => !kmsKeyProblem(alias, info), isTaggedFor },
    options,
  );
  const environment = keys[0]?.environment;
  if (!environment) return state;
  const inventory = new Set(keys.map((k) => k.alias));
  const orphans = await readKmsOrphans(
    environment,
    inventory,
    store,
    state.aliases,
    state.found,
    options.orphans ?? {},
  );
  return { ...state, orphans, orphanOptions: options.orphans ?? {} };
}

/**
 * Pure: per key, `exists` (with address), `create`, `adopt` or `broken`, then the leftovers (keys
 * the toolkit made for an alias that points at another key), from what `readKms` read.
 */
export function planKmsKeys(
  keys: readonly KeySpec[],
  read: KmsState,
  rotating: ReadonlySet<string> = new Set(),
  /** Keys a rotation's switch retires (`rotation.ts`): not leftovers. */
  switching: ReadonlySet<string> = new Set(),
): KeyChange[] {
  const kind = KEY_CHANGE_KIND.kms;
  const found = read.found.filter(
    (f) => !isRotationKey(f.tags, rotating) && !switching.has(f.keyId),
  );
  const state = { ...read, found };
  const unreadableNote = unreadableKeysNote(state.unreadable);
  const changes = keys.map((key): KeyChange => {
    const read = state.aliased.get(key.alias);
    if (read) return aliasedChange(key, read, state);
    const tagged = state.found.flatMap((o) => (o.info && isTaggedFor(key, o.tags) ? [o.info] : []));
    const usable = tagged.filter((info) => !kmsKeyProblem(key.alias, info));
    const { chosen, refused } = chooseTrusted(key, usable, state.access, state.iamErrors);
    const skipped = tagged
      .filter((info) => kmsKeyProblem(key.alias, info) !== undefined)
      .map((info) => `${info.keyId} (${info.keyState ?? 'unknown state'}, ${info.keySpec ?? '?'})`)
      .concat(refused);
    const address = chosen && state.addresses.get(chosen.keyId);
    if (!chosen || !address) {
      return {
        kind,
        id: key.alias,
        action: 'create',
        reason:
          `${key.alias} does not exist: create a ${ETHEREUM_KEY_SPEC} key and the alias` +
          (skipped.length
            ? `; tagged keys not adopted because unusable: ${skipped.join(', ')}`
            : '') +
          (unreadableNote ? `; ${unreadableNote}` : ''),
        detail: {
          ...baseDetail(key, 'kms', state.region),
          ...(unreadableNote ? { warning: unreadableNote } : {}),
        },
      };
    }
    return {
      kind,
      id: key.alias,
      action: 'adopt',
      reason:
        `key ${chosen.keyId} is tagged for ${key.alias} but has no alias (an earlier run stopped ` +
        'between CreateKey and CreateAlias): give it the alias, create no new key',
      detail: {
        ...kmsDetail(key, chosen, state.region),
        address,
        ...(recordOf(state, chosen.keyId) !== 'true' ? { markAliased: true } : {}),
      },
    };
  });

  const targets = new Map(changes.map((c) => [c.id, leftoverTarget(c, state)]));
  const leftovers = decideLeftovers(state.found, {
    inventory: new Set(keys.map((k) => k.alias)),
    targetOf: (alias) => targets.get(alias),
    keep: new Set(changes.filter((c) => c.action === 'adopt').map((c) => c.detail.keyId!)),
    addressOf: (keyId) => state.addresses.get(keyId),
  });
  const orphans = planOrphans(state.orphans ?? [], state.region, state.orphanOptions ?? {});
  return [...changes, ...leftovers.map((d) => leftoverChange(d, state.region)), ...orphans];
}

/**
 * Keys of a rotation are planned by `rotation.ts`, never as extra keys or for adoption: a key
 * retired by a switch, and a key staged for an alias while the file declares its rotation (once
 * the rotation is removed from the file, a staged key that never held the alias is an extra).
 */
function isRotationKey(tags: Record<string, string>, rotating: ReadonlySet<string>): boolean {
  const mark = tags[TAG_KEYS.rotation];
  if (mark === ROTATION_TAG.retired) return true;
  return mark === ROTATION_TAG.staged && rotating.has(tags[TAG_KEYS.alias] ?? '');
}

/** A found key's `nomad:aliased` record. */
const recordOf = (state: KmsState, keyId: string) =>
  state.found.find((f) => f.keyId === keyId)?.tags[TAG_KEYS.aliased];

/** What the alias of a planned change points at, for the leftover decision. */
function leftoverTarget(change: KeyChange, state: KmsState): LeftoverTarget | undefined {
  if (change.action === 'create') return { planned: true };
  if (change.action === 'adopt') return { planned: true, keyId: change.detail.keyId };
  const alias = change.detail.alias;
  const keyId =
    change.detail.keyId ?? state.aliases.find((a) => a.aliasName === alias)?.targetKeyId;
  if (!keyId) return undefined;
  return {
    keyId,
    tags: state.targetTags.get(keyId),
    ...(change.detail.address ? { address: change.detail.address } : {}),
  };
}

/** What an existing alias points at: `exists` (with address) or `broken`. */
function aliasedChange(key: KeySpec, read: AliasedRead, state: KmsState): KeyChange {
  const broken = (reason: string, info?: KmsKeyInfo): KeyChange => ({
    kind: KEY_CHANGE_KIND.kms,
    id: key.alias,
    action: 'broken',
    reason,
    detail: info ? kmsDetail(key, info, state.region) : baseDetail(key, 'kms', state.region),
  });
  if (read.kind === 'refused') {
    if (!read.info && read.describeError) {
      const id = read.keyId ?? 'its key';
      return broken(
        `${key.alias} points at key ${id}, which KMS refuses to these credentials ` +
          `(GetPublicKey: ${read.error}; DescribeKey: ${read.describeError}): the key's policy ` +
          `does not let the toolkit read it, so it cannot be checked or used; point ${key.alias} ` +
          `at a key of the environment (\`aws kms update-alias --alias-name ${key.alias} ` +
          `--target-key-id <key>\`) or give the plan role read access in that key's policy`,
        { keyId: id, arn: '', description: key.description },
      );
    }
    if (!read.info) return broken(`${key.alias} vanished while it was read: plan again`);
    return broken(
      kmsKeyProblem(key.alias, read.info) ??
        `${key.alias} points at key ${read.info.keyId}, whose public key KMS refused ` +
          `(${read.error}): check the key with \`aws kms describe-key --key-id ${read.info.keyId}\` and plan again`,
      read.info,
    );
  }
  const info: KmsKeyInfo = {
    keyId: read.key.keyId,
    arn: read.key.arn,
    description: key.description,
    keySpec: read.key.keySpec,
    keyUsage: read.key.keyUsage,
    keyState: 'Enabled',
  };
  const denied = state.iamErrors.get(info.keyId);
  const problem =
    kmsKeyProblem(key.alias, info) ??
    (denied
      ? `${key.alias} points at key ${info.keyId}, whose key policy, grants or tags KMS refused ` +
        `to these credentials (${denied}): who may use it cannot be checked; give the plan role ` +
        `read access in its key policy, or point ${key.alias} at a key of the environment`
      : undefined) ??
    trustProblem(key, info, state.access.get(info.keyId));
  if (problem || !read.key.address) {
    return broken(problem ?? `${key.alias}: GetPublicKey answered no public key: plan again`, info);
  }
  return {
    kind: KEY_CHANGE_KIND.kms,
    id: key.alias,
    action: 'exists',
    reason: `${key.alias} points at usable key ${info.keyId}`,
    detail: { ...kmsDetail(key, info, state.region), address: read.key.address },
  };
}

/**
 * The change of one leftover key: `remove` when apply schedules its deletion, `broken` for a
 * conflict (fails the plan, never changed), else `exists`.
 */
export function leftoverChange(decision: LeftoverDecision, region: string): KeyChange {
  return {
    kind: KEY_CHANGE_KIND.kms,
    id: `${decision.alias} ${decision.key.keyId}`,
    action:
      decision.action === 'schedule-deletion' ? 'remove' : decision.conflict ? 'broken' : 'exists',
    reason: decision.reason,
    detail: leftoverDetail(decision, region, decision.action),
  };
}

function kmsDetail(key: KeySpec, info: KmsKeyInfo, region: string): KeyDetail {
  return {
    ...baseDetail(key, 'kms', region),
    keyId: info.keyId,
    arn: info.arn,
    description: info.description,
    ...(info.keySpec ? { keySpec: info.keySpec } : {}),
    ...(info.keyUsage ? { keyUsage: info.keyUsage } : {}),
    ...(info.keyState ? { keyState: info.keyState } : {}),
  };
}
