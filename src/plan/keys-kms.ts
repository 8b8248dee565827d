import {
  ETHEREUM_KEY_SPEC,
  ETHEREUM_KEY_USAGE,
  type KmsAliasEntry,
  type KmsKeyInfo,
  type KmsKeyStore,
} from '../aws/kms.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../inventory/tags.js';
import type { KeySpec } from '../inventory/types.js';
import type { Change } from './change.js';
import {
  chooseKey,
  decideLeftovers,
  isEnvironmentKey,
  leftoverDetail,
  type FoundKey,
  type LeftoverDecision,
} from './keys-leftovers.js';
import { keyAccessProblem } from './key-trust.js';
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

  // One DescribeKey per alias (KMS resolves aliases), GetPublicKey only for usable keys, and, once
  // per plan, the environment's keys that no alias points at (ListAliases, ListKeys: a page per
  // 100; tags read only of keys without an alias). A plan where everything exists makes the naive
  // script's calls plus those pages, concurrently.
  const [found, search] = await Promise.all([
    Promise.all(keys.map((key) => readAliasedKey(key, store))),
    searchEnvironmentKeys(store, keys[0]?.environment),
  ]);
  const unreadableNote = unreadableKeysNote(search.unreadable);

  const decided = new Map<KeySpec, KeyChange>();
  await Promise.all(
    found.map(async (f, i) => {
      if ('action' in f) return;
      const key = keys[i]!;
      const tagged = search.found
        .filter((o) => o.info && isTaggedFor(key, o.tags))
        .map((o) => o.info!);
      const usable = tagged.filter((info) => !kmsKeyProblem(key.alias, info));
      const { chosen, refused } = await chooseTrustedKey(key, usable, store);
      const skipped = tagged
        .filter((info) => kmsKeyProblem(key.alias, info) !== undefined)
        .map(
          (info) => `${info.keyId} (${info.keyState ?? 'unknown state'}, ${info.keySpec ?? '?'})`,
        )
        .concat(refused);
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
      decided.set(key, {
        kind,
        id: key.alias,
        action: 'adopt',
        reason:
          `key ${chosen.keyId} is tagged for ${key.alias} but has no alias (an earlier run stopped ` +
          'between CreateKey and CreateAlias): give it the alias, create no new key',
        detail: { ...kmsDetail(key, chosen, store.region), address },
      });
    }),
  );
  const changes = found.map((f, i) => ('action' in f ? f : decided.get(keys[i]!)!));

  const targets = new Map(
    changes.map((c) => [
      c.id,
      c.action === 'create' ? 'the key apply creates' : (c.detail?.keyId ?? undefined),
    ]),
  );
  const leftovers = decideLeftovers(search.found, {
    inventory: new Set(keys.map((k) => k.alias)),
    targetOf: (alias) => targets.get(alias),
    keep: new Set(changes.filter((c) => c.action === 'adopt').map((c) => c.detail!.keyId!)),
  });
  return [...changes, ...leftovers.map((d) => leftoverChange(d, store.region))];
}

/** The change of one leftover key: `remove` when apply schedules its deletion, else `exists`. */
export function leftoverChange(decision: LeftoverDecision, region: string): KeyChange {
  return {
    kind: KEY_CHANGE_KIND.kms,
    id: `${decision.alias} ${decision.key.keyId}`,
    action: decision.action === 'schedule-deletion' ? 'remove' : 'exists',
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

/** What the alias points at: `exists` (with address) or `broken`; the spec when it is missing. */
async function readAliasedKey(key: KeySpec, store: KmsKeyStore): Promise<KeyChange | KeySpec> {
  const info = await store.describeKey(key.alias);
  if (!info) return key;
  const problem =
    kmsKeyProblem(key.alias, info) ??
    keyAccessProblem(key, info.keyId, accountOf(info.arn), await store.readKeyAccess(info.keyId));
  if (problem) {
    return {
      kind: KEY_CHANGE_KIND.kms,
      id: key.alias,
      action: 'broken',
      reason: problem,
      detail: kmsDetail(key, info, store.region),
    };
  }
  const address = await store.publicAddress(info.keyId);
  return {
    kind: KEY_CHANGE_KIND.kms,
    id: key.alias,
    action: 'exists',
    reason: `${key.alias} points at usable key ${info.keyId}`,
    detail: { ...kmsDetail(key, info, store.region), address },
  };
}

export interface EnvironmentKeySearch {
  /** The environment's keys that no alias points at, with their tags and metadata. */
  found: FoundKey[];
  /** Keys without an alias whose tags these credentials may not read. */
  unreadable: string[];
  aliases: KmsAliasEntry[];
}

/** The environment's toolkit keys no alias points at: one listing, then DescribeKey of each. */
export async function searchEnvironmentKeys(
  store: KmsKeyStore,
  environment: string | undefined,
): Promise<EnvironmentKeySearch> {
  if (!environment) return { found: [], unreadable: [], aliases: [] };
  const { keys, unreadable, aliases } = await store.findUnaliasedKeys((tags) =>
    isEnvironmentKey(environment, tags),
  );
  const found = await Promise.all(
    keys.map(async (k): Promise<FoundKey> => {
      const info = await store.describeKey(k.keyId);
      return { keyId: k.keyId, tags: k.tags, ...(info ? { info } : {}) };
    }),
  );
  return { found, unreadable, aliases };
}

/** `arn:aws:kms:{region}:{account}:key/{id}` → the account. */
const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/**
 * The oldest of `candidates` whose key policy, grants and tags give nothing away (DESIGN §5):
 * keys are checked oldest first, so a plan or apply reads the access of one key in the common
 * case. `refused` says which were passed over and why.
 */
export async function chooseTrustedKey(
  key: { alias: string; environment: string },
  candidates: KmsKeyInfo[],
  store: Pick<KmsKeyStore, 'readKeyAccess'>,
): Promise<{ chosen?: KmsKeyInfo; refused: string[] }> {
  const refused: string[] = [];
  let remaining = candidates;
  for (;;) {
    const next = chooseKey(remaining);
    if (!next) return { refused };
    const problem = keyAccessProblem(
      key,
      next.keyId,
      accountOf(next.arn),
      await store.readKeyAccess(next.keyId),
    );
    if (!problem) return { chosen: next, refused };
    refused.push(`${next.keyId} (${problem.slice(problem.indexOf(': ') + 2)})`);
    remaining = remaining.filter((k) => k !== next);
  }
}
