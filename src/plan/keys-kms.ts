import {
  ETHEREUM_KEY_SPEC,
  ETHEREUM_KEY_USAGE,
  type KmsKeyInfo,
  type KmsKeyStore,
} from '../aws/kms.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../inventory/tags.js';
import type { KeySpec } from '../inventory/types.js';
import type { Change } from './change.js';
import { keyAccessProblem } from './key-access.js';
import { KEY_CHANGE_KIND, baseDetail, type KeyDetail } from './keys-types.js';

type KeyChange = Change<KeyDetail>;

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

export async function planKmsKeys(keys: KeySpec[], store: KmsKeyStore): Promise<KeyChange[]> {
  const kind = KEY_CHANGE_KIND.kms;
  const detailOf = (key: KeySpec) => baseDetail(key, 'kms', store.region);
  const fromKey = (key: KeySpec, info: KmsKeyInfo): KeyDetail => ({
    ...detailOf(key),
    keyId: info.keyId,
    arn: info.arn,
    description: info.description,
    ...(info.keySpec ? { keySpec: info.keySpec } : {}),
    ...(info.keyUsage ? { keyUsage: info.keyUsage } : {}),
    ...(info.keyState ? { keyState: info.keyState } : {}),
  });

  // One DescribeKey per alias (KMS resolves aliases), GetPublicKey only for usable keys: a plan
  // where everything exists makes exactly the naive script's calls, only concurrently.
  const found = await Promise.all(
    keys.map(async (key): Promise<KeyChange | KeySpec> => {
      const info = await store.describeKey(key.alias);
      if (!info) return key;
      const problem =
        kmsKeyProblem(key.alias, info) ??
        keyAccessProblem(
          key,
          info.keyId,
          accountOf(info.arn),
          await store.readKeyAccess(info.keyId),
        );
      if (problem)
        return {
          kind,
          id: key.alias,
          action: 'broken',
          reason: problem,
          detail: fromKey(key, info),
        };
      const address = await store.publicAddress(info.keyId);
      return {
        kind,
        id: key.alias,
        action: 'exists',
        reason: `${key.alias} points at usable key ${info.keyId}`,
        detail: { ...fromKey(key, info), address },
      };
    }),
  );

  const missing = found.filter((f): f is KeySpec => !('action' in f));
  if (missing.length === 0) return found as KeyChange[];

  // A run that died between CreateKey and CreateAlias left a tagged key without an alias.
  const { keys: orphans, unreadable } = await store.findUnaliasedKeys((tags) =>
    missing.some((k) => isTaggedFor(k, tags)),
  );
  const unreadableNote = unreadableKeysNote(unreadable);
  const orphanInfo = await Promise.all(
    orphans.map(async (o) => ({ tags: o.tags, info: await store.describeKey(o.keyId) })),
  );

  const decided = new Map<KeySpec, KeyChange>();
  await Promise.all(
    missing.map(async (key) => {
      const tagged = orphanInfo
        .filter((o) => o.info && isTaggedFor(key, o.tags))
        .map((o) => o.info!)
        .sort((a, b) => (a.creationDate ?? '').localeCompare(b.creationDate ?? ''));
      const usable: KmsKeyInfo[] = [];
      const refused: string[] = [];
      for (const info of tagged) {
        if (kmsKeyProblem(key.alias, info)) continue;
        const access = await store.readKeyAccess(info.keyId);
        const problem = keyAccessProblem(key, info.keyId, accountOf(info.arn), access);
        if (problem) refused.push(`${info.keyId} (${problem.slice(problem.indexOf(': ') + 2)})`);
        else usable.push(info);
      }
      const skipped = tagged
        .filter((info) => kmsKeyProblem(key.alias, info) !== undefined)
        .map(
          (info) => `${info.keyId} (${info.keyState ?? 'unknown state'}, ${info.keySpec ?? '?'})`,
        )
        .concat(refused);
      const chosen = usable[0];
      if (!chosen) {
        decided.set(key, {
          kind,
          id: key.alias,
          action: 'create',
          reason:
            `${key.alias} does not exist: create a ${ETHEREUM_KEY_SPEC} key and the alias` +
            (skipped.length
              ? `; tagged keys not adopted because unusable: ${skipped.join(', ')}`
              : '') +
            (unreadableNote ? `; ${unreadableNote}` : ''),
          detail: { ...detailOf(key), ...(unreadableNote ? { warning: unreadableNote } : {}) },
        });
        return;
      }
      const address = await store.publicAddress(chosen.keyId);
      const extra = usable.slice(1).map((i) => i.keyId);
      decided.set(key, {
        kind,
        id: key.alias,
        action: 'adopt',
        reason:
          `key ${chosen.keyId} is tagged for ${key.alias} but has no alias (an earlier run stopped ` +
          'between CreateKey and CreateAlias): give it the alias, create no new key' +
          (extra.length
            ? `; also tagged and left alone: ${extra.join(', ')} (schedule their deletion if unused)`
            : ''),
        detail: { ...fromKey(key, chosen), address },
      });
    }),
  );
  return found.map((f) => ('action' in f ? f : decided.get(f)!));
}

/** Carries out one create or adopt; returns the final row. Throws on failure. */
export async function applyKmsChange(change: KeyChange, store: KmsKeyStore): Promise<KeyDetail> {
  const detail = change.detail!;
  if (change.action === 'create') {
    const key = await store.createKey({ description: detail.description, tags: detail.tags });
    try {
      await store.createAlias(detail.alias, key.keyId);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(
        `key ${key.keyId} was created but ${detail.alias} could not be pointed at it (${why}); ` +
          'apply again: it adopts this key by its tags and creates no other',
        { cause: error },
      );
    }
    const address = await store.publicAddress(key.keyId);
    return {
      ...detail,
      keyId: key.keyId,
      arn: key.arn,
      description: key.description,
      keySpec: key.keySpec ?? ETHEREUM_KEY_SPEC,
      keyUsage: key.keyUsage ?? ETHEREUM_KEY_USAGE,
      address,
    };
  }
  if (change.action === 'adopt') {
    if (!detail.keyId) throw new Error(`adopt ${detail.alias}: the plan names no key to adopt`);
    await store.createAlias(detail.alias, detail.keyId);
    return { ...detail, address: detail.address ?? (await store.publicAddress(detail.keyId)) };
  }
  return detail;
}

/** `arn:aws:kms:{region}:{account}:key/{id}` → the account. */
const accountOf = (arn: string) => arn.split(':')[4] ?? '';
