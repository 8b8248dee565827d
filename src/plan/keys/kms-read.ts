import type {
  KeyAccess,
  KmsAliasEntry,
  KmsKeyInfo,
  KmsKeyStore,
  KmsPublicKeyRead,
} from '../../aws/kms-types.js';
import { errorMessage } from '../../errors.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { KeySpec } from '../../inventory/types.js';
import { keyAccessProblem } from './trust.js';
import { chooseKey, isEnvironmentKey, type FoundKey } from './leftovers.js';

/**
 * The read half of a KMS key plan (DESIGN §3, §5): everything the pure planner
 * (`planKmsKeys`) decides from, read with as few calls as the checks need:
 *
 * - once per plan: ListAliases, ListKeys (a page per 100), the tags of keys no alias points at,
 *   and DescribeKey of those tagged for the environment (the adoption and leftover search);
 * - per aliased key: one GetPublicKey by alias, which answers the key id, spec, usage and public
 *   key. KMS refuses it for a disabled key or one pending deletion: only those get a DescribeKey,
 *   to say which;
 * - the key policy, grants and tags (three calls) only of keys whose trust is in question: a key
 *   the plan would adopt (oldest first, until one passes), a key two aliases point at (an alias
 *   moved by hand onto another key of ours), and every aliased key when `verifyTrust` is set.
 *
 * An alias of ours is otherwise authoritative: only the apply role may create or move aliases
 * (IAM, proven by simulation), and the toolkit aliases only keys it created with its own key
 * policy or adopted after this check. See docs/keys.md, "What a plan checks".
 */

export interface KmsReadOptions {
  /** Read the policy, grants and tags of every aliased key too (`--verify-key-trust`). */
  verifyTrust?: boolean;
}

/** What one inventory alias points at. */
export type AliasedRead =
  /** GetPublicKey answered: usable key (spec and usage still to check). */
  | { kind: 'public'; key: Extract<KmsPublicKeyRead, { state: 'usable' }> }
  /**
   * GetPublicKey was refused: the key as DescribeKey tells it, or why DescribeKey could not
   * (a key policy that refuses these credentials refuses both); `keyId` as ListAliases named it.
   */
  | {
      kind: 'refused';
      error: string;
      info?: KmsKeyInfo | undefined;
      keyId?: string | undefined;
      describeError?: string | undefined;
    };

export interface KmsState {
  region: string;
  /** Every alias of the account and region. */
  aliases: KmsAliasEntry[];
  /** Per inventory alias that exists. */
  aliased: Map<string, AliasedRead>;
  /** The environment's keys no alias points at, with tags and DescribeKey. */
  found: FoundKey[];
  /** Keys without an alias whose tags these credentials may not read. */
  unreadable: string[];
  /** Key policy, grants and tags of the keys whose trust was checked. */
  access: Map<string, KeyAccess>;
  /** Keys whose policy, grants or tags KMS refused to read (AccessDenied…): why, per key id. */
  iamErrors: Map<string, string>;
  /** Addresses of the keys found for adoption, and of the keys no alias points at any more. */
  addresses: Map<string, string>;
  /**
   * Tags of the keys an alias points at while another key tagged for that alias has none: whether
   * the alias's key is the toolkit's for it decides whether the other key is extra.
   */
  targetTags: Map<string, Record<string, string> | 'gone' | 'denied'>;
}

/** `arn:aws:kms:{region}:{account}:key/{id}` → the account. */
export const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/** Whether `key` may be adopted (or used) by what was read of it; undefined if it may. */
export function trustProblem(
  key: { alias: string; environment: string },
  info: { keyId: string; arn: string },
  access: KeyAccess | undefined,
): string | undefined {
  return access ? keyAccessProblem(key, info.keyId, accountOf(info.arn), access) : undefined;
}

/** Keys two or more aliases point at. */
export function sharedTargets(aliases: readonly KmsAliasEntry[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const a of aliases) {
    if (!a.targetKeyId) continue;
    if (seen.has(a.targetKeyId)) shared.add(a.targetKeyId);
    seen.add(a.targetKeyId);
  }
  return shared;
}

/** Tagged keys for `key` that no alias points at, usable by spec and state. */
export function adoptionCandidates(
  key: KeySpec,
  found: readonly FoundKey[],
  usable: (info: KmsKeyInfo) => boolean,
  isTaggedFor: (key: KeySpec, tags: Record<string, string>) => boolean,
): KmsKeyInfo[] {
  return found
    .filter((f) => f.info && isTaggedFor(key, f.tags) && usable(f.info))
    .map((f) => f.info!);
}

export async function readKmsState(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  decide: {
    usable: (alias: string, info: KmsKeyInfo) => boolean;
    isTaggedFor: (key: KeySpec, tags: Record<string, string>) => boolean;
  },
  options: KmsReadOptions = {},
): Promise<KmsState> {
  const environment = keys[0]?.environment;
  const aliases = await store.listAliases();
  const targets = new Map(aliases.map((a) => [a.aliasName, a.targetKeyId]));
  const aliasArns = new Map(aliases.map((a) => [a.aliasName, a.aliasArn]));
  const shared = sharedTargets(aliases);
  const access = new Map<string, KeyAccess>();
  const iamErrors = new Map<string, string>();
  const addresses = new Map<string, string>();
  // One key whose policy cannot be read is that key's problem, never the whole plan's.
  const readIam = async (keyId: string): Promise<KeyAccess | undefined> => {
    if (access.has(keyId)) return access.get(keyId);
    if (iamErrors.has(keyId)) return undefined;
    try {
      const read = await store.readKeyAccess(keyId);
      access.set(keyId, read);
      return read;
    } catch (error) {
      iamErrors.set(keyId, errorMessage(error));
      return undefined;
    }
  };
  const aliased = new Map<string, AliasedRead>();

  const readAliased = async (key: KeySpec) => {
    if (!targets.has(key.alias)) return;
    const answer = await store.readPublicKey(key.alias);
    if (answer.state === 'missing') return; // deleted since the listing: planned as missing
    if (answer.state === 'refused') {
      const keyId = targets.get(key.alias);
      try {
        const info = await store.describeKey(key.alias);
        aliased.set(key.alias, { kind: 'refused', error: answer.error, info, keyId });
      } catch (error) {
        aliased.set(key.alias, {
          kind: 'refused',
          error: answer.error,
          keyId,
          describeError: errorMessage(error),
        });
      }
      return;
    }
    // Real KMS answers the key ARN as KeyId; an emulator may answer the id: the alias's ARN
    // names the account and region.
    const arn = answer.arn.startsWith('arn:')
      ? answer.arn
      : (aliasArns.get(key.alias)?.replace(/:alias\/.*$/, `:key/${answer.keyId}`) ?? answer.arn);
    aliased.set(key.alias, { kind: 'public', key: { ...answer, arn } });
    if (options.verifyTrust || shared.has(answer.keyId) || shared.has(targets.get(key.alias)!)) {
      await readIam(answer.keyId);
    }
  };

  const [, { found, unreadable }] = await Promise.all([
    Promise.all(keys.map(readAliased)),
    searchEnvironmentKeys(store, environment, aliases),
  ]);

  // For each alias still missing: the access of its candidates, oldest first, until one passes;
  // then that key's address.
  await Promise.all(
    keys
      .filter((key) => !aliased.has(key.alias))
      .map(async (key) => {
        let remaining = adoptionCandidates(
          key,
          found,
          (info) => decide.usable(key.alias, info),
          decide.isTaggedFor,
        );
        for (;;) {
          const next = chooseKey(remaining);
          if (!next) return;
          const read = await readIam(next.keyId);
          if (read && !trustProblem(key, next, read)) {
            addresses.set(next.keyId, await store.publicAddress(next.keyId));
            return;
          }
          remaining = remaining.filter((k) => k !== next);
        }
      }),
  );
  const targetTags = await readDisplaced(keys, store, found, targets, addresses);
  return {
    region: store.region,
    aliases,
    aliased,
    found,
    unreadable,
    access,
    iamErrors,
    addresses,
    targetTags,
  };
}

/**
 * For each key tagged for an alias of the inventory that exists and points at another key (an
 * extra key, or one the alias was moved away from): the tags of the alias's key, and the
 * address of the key left without it, for the leftover decision and the conflict row. None in
 * a steady state, so a plan of a settled environment makes no call for it.
 */
async function readDisplaced(
  keys: readonly KeySpec[],
  store: KmsKeyStore,
  found: readonly FoundKey[],
  targets: Map<string, string | undefined>,
  addresses: Map<string, string>,
): Promise<KmsState['targetTags']> {
  const inventory = new Set(keys.map((k) => k.alias));
  const displaced = found.filter((f) => {
    const alias = f.tags[TAG_KEYS.alias] ?? '';
    const state = f.info?.keyState;
    return (
      inventory.has(alias) &&
      Boolean(targets.get(alias)) &&
      state !== 'PendingDeletion' &&
      state !== 'PendingReplicaDeletion'
    );
  });
  const targetIds = [...new Set(displaced.map((f) => targets.get(f.tags[TAG_KEYS.alias]!)!))];
  const targetTags: KmsState['targetTags'] = new Map();
  await Promise.all([
    ...targetIds.map(async (id) => targetTags.set(id, await store.readTags(id))),
    ...displaced
      .filter((f) => f.tags[TAG_KEYS.aliased] !== 'false' && !addresses.has(f.keyId))
      .map(async (f) => {
        const read = await store.readPublicKey(f.keyId);
        if (read.state === 'usable' && read.address) addresses.set(f.keyId, read.address);
      }),
  ]);
  return targetTags;
}

export interface EnvironmentKeySearch {
  /** The environment's keys that no alias points at, with their tags and metadata. */
  found: FoundKey[];
  /** Keys without an alias whose tags these credentials may not read. */
  unreadable: string[];
  aliases: KmsAliasEntry[];
}

/**
 * The environment's toolkit keys no alias points at: one listing (the aliases too, unless
 * given), then DescribeKey of each.
 */
export async function searchEnvironmentKeys(
  store: KmsKeyStore,
  environment: string | undefined,
  listed?: KmsAliasEntry[],
): Promise<EnvironmentKeySearch> {
  if (!environment) return { found: [], unreadable: [], aliases: listed ?? [] };
  const { keys, unreadable, aliases } = await store.findUnaliasedKeys(
    (tags) => isEnvironmentKey(environment, tags),
    ...(listed ? [listed] : []),
  );
  const found = await Promise.all(
    keys.map(async (k): Promise<FoundKey> => {
      const info = await store.describeKey(k.keyId);
      return { keyId: k.keyId, tags: k.tags, ...(info ? { info } : {}) };
    }),
  );
  return { found, unreadable, aliases };
}
