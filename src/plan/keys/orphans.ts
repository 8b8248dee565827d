import type { KmsAliasEntry, KmsKeyInfo, KmsKeyStore } from '../../aws/kms-types.js';
import { errorMessage } from '../../errors.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { KeyPurpose } from '../../inventory/types.js';
import {
  isEnvironmentKey,
  LEFTOVER_DELETION_DAYS,
  undoDeletionCommand,
  type FoundKey,
} from './leftovers.js';
import { KEY_CHANGE_KIND, type KeyChange, type OrphanDetail } from './types.js';

/**
 * Decommissioning (DESIGN §3 "Lifecycle", issue 26 item 4): a toolkit key of this environment
 * whose alias the file no longer has (its network or key name left the file) is an `orphaned`
 * row in every plan, with its address and the balance left on its network. `--prune` disables it
 * and schedules its deletion, only once its wallet is drained (at most one transfer's fee left)
 * or the file abandons its network (`keys.abandon`).
 */

/** The balance of an orphaned wallet on its network, as the balance reader found it. */
export type OrphanBalance =
  | {
      state: 'read';
      /** Integer wei. */
      wei: bigint;
      /** What one plain transfer costs there now (21,000 gas at the node's gas price). */
      feeWei: bigint;
      symbol?: string | undefined;
    }
  | { state: 'unknown'; why: string };

/** Reads an address's balance on a network (the jobs layer passes one built on the RPC env). */
export type OrphanBalanceReader = (network: string, address: string) => Promise<OrphanBalance>;

export interface OrphanOptions {
  balanceOf?: OrphanBalanceReader;
  /** `--prune`: retire the orphans that are drained or abandoned. */
  prune?: boolean;
  /** Networks the file abandons (`keys.abandon`): their orphans are retired with funds left. */
  abandon?: readonly string[];
  /** `keys.gracePeriodDays`: the waiting period of a retired orphan's deletion (default 30). */
  gracePeriodDays?: number;
}

/** What was read about one orphaned key. */
export interface OrphanRead {
  alias: string;
  keyId: string;
  tags: Record<string, string>;
  info?: KmsKeyInfo | undefined;
  /** An alias still points at it. */
  aliased: boolean;
  address?: string | undefined;
  /** Why the address could not be read (a disabled key answers no public key). */
  addressError?: string | undefined;
  balance?: OrphanBalance | undefined;
}

const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/**
 * The environment's toolkit keys whose alias left the inventory: the aliases of the environment
 * the file no longer has (their keys' tags read to make sure they are the toolkit's), and the
 * unaliased keys tagged for such an alias. Then each one's address and balance.
 */
export async function readKmsOrphans(
  environment: string,
  inventory: ReadonlySet<string>,
  store: KmsKeyStore,
  aliases: readonly KmsAliasEntry[],
  found: readonly FoundKey[],
  options: OrphanOptions,
): Promise<OrphanRead[]> {
  const prefix = `alias/${environment}-`;
  const aliased = aliases.filter(
    (a) => a.aliasName.startsWith(prefix) && !inventory.has(a.aliasName) && a.targetKeyId,
  );
  const fromAliases = await Promise.all(
    aliased.map(async (a): Promise<OrphanRead | undefined> => {
      const keyId = a.targetKeyId!;
      const tags = await store.readTags(keyId);
      if (typeof tags === 'string' || !isEnvironmentKey(environment, tags)) return undefined;
      if (tags[TAG_KEYS.alias] !== a.aliasName) return undefined;
      return {
        alias: a.aliasName,
        keyId,
        tags,
        info: await store.describeKey(keyId),
        aliased: true,
      };
    }),
  );
  // A key of a rotation (staged, or retired with its alias tag removed) is the rotation's to
  // retire, never an orphan (`rotation.ts`).
  const unaliased = found
    .filter(
      (f) =>
        f.info &&
        f.tags[TAG_KEYS.alias] !== undefined &&
        f.tags[TAG_KEYS.rotation] === undefined &&
        !inventory.has(f.tags[TAG_KEYS.alias] ?? ''),
    )
    .map((f) => ({
      alias: f.tags[TAG_KEYS.alias]!,
      keyId: f.keyId,
      tags: f.tags,
      info: f.info,
      aliased: false,
    }));
  const orphans = [...fromAliases.filter((o): o is OrphanRead => o !== undefined), ...unaliased];
  return Promise.all(orphans.map((o) => withBalance(o, store, options.balanceOf)));
}

async function withBalance(
  orphan: OrphanRead,
  store: KmsKeyStore,
  balanceOf: OrphanBalanceReader | undefined,
): Promise<OrphanRead> {
  if (orphan.info?.keyState !== 'Enabled') {
    return { ...orphan, addressError: `the key is ${orphan.info?.keyState ?? 'gone'}` };
  }
  let address: string;
  try {
    address = await store.publicAddress(orphan.keyId);
  } catch (error) {
    return { ...orphan, addressError: errorMessage(error) };
  }
  const network = orphan.tags[TAG_KEYS.network];
  const purpose = orphan.tags[TAG_KEYS.purpose];
  if (!network || !balanceOf || purpose === 'attestation') return { ...orphan, address };
  return { ...orphan, address, balance: await balanceOf(network, address) };
}

/** Pure: the row of each orphaned key, and whether this apply retires it. */
export function planOrphans(
  reads: readonly OrphanRead[],
  region: string,
  options: Pick<OrphanOptions, 'prune' | 'abandon' | 'gracePeriodDays'>,
): KeyChange[] {
  const abandon = new Set(options.abandon ?? []);
  const days = options.gracePeriodDays ?? LEFTOVER_DELETION_DAYS;
  return reads.map((read) => {
    const network = read.tags[TAG_KEYS.network];
    const found = orphanDetail(read, network !== undefined && abandon.has(network));
    const retire = Boolean(options.prune) && found.retire === 'ready';
    const orphaned: OrphanDetail = retire ? { ...found, deletionDays: days } : found;
    return {
      kind: KEY_CHANGE_KIND.kms,
      id: `${read.alias} ${read.keyId}`,
      action: retire ? 'remove' : 'exists',
      reason: orphanReason(read, orphaned, retire, Boolean(options.prune)),
      detail: {
        store: 'kms',
        alias: read.alias,
        region,
        description: read.info?.description ?? '',
        purpose: (read.tags[TAG_KEYS.purpose] ?? 'signer') as KeyPurpose,
        ...(network ? { network } : {}),
        ...(read.tags[TAG_KEYS.keyName] ? { keyName: read.tags[TAG_KEYS.keyName] as string } : {}),
        tags: { ...read.tags },
        keyId: read.keyId,
        ...(read.info?.arn ? { arn: read.info.arn } : {}),
        ...(read.info?.keyState ? { keyState: read.info.keyState } : {}),
        ...(read.info?.deletionDate ? { deletionDate: read.info.deletionDate } : {}),
        ...(read.address ? { address: read.address } : {}),
        leftover: retire ? 'schedule-deletion' : 'keep',
        orphaned,
      },
    };
  });
}

/** Whether an orphan may be retired, with the balance said as data (strings: JSON has no bigint). */
export function orphanDetail(read: OrphanRead, abandoned: boolean): OrphanDetail {
  const state = read.info?.keyState ?? 'gone';
  const balance = read.balance;
  const base: OrphanDetail = { aliased: read.aliased, abandoned, retire: 'not-drained' };
  if (PENDING.has(state)) return { ...base, retire: 'pending-deletion' };
  if (read.tags[TAG_KEYS.purpose] === 'attestation') return { ...base, retire: 'ready' };
  if (!balance) {
    const why = read.addressError
      ? `address unknown: ${read.addressError}`
      : 'unknown: network not in the file';
    return { ...base, balanceUnknown: why, retire: abandoned ? 'ready' : 'not-drained' };
  }
  if (balance.state === 'unknown') {
    return { ...base, balanceUnknown: balance.why, retire: abandoned ? 'ready' : 'not-drained' };
  }
  const drained = balance.wei <= balance.feeWei;
  return {
    ...base,
    balanceWei: balance.wei.toString(),
    feeWei: balance.feeWei.toString(),
    ...(balance.symbol ? { symbol: balance.symbol } : {}),
    retire: drained || abandoned ? 'ready' : 'not-drained',
  };
}

function orphanReason(
  read: OrphanRead,
  orphaned: OrphanDetail,
  retire: boolean,
  prune: boolean,
): string {
  const what =
    `orphaned: key ${read.keyId}${read.aliased ? ` (alias ${read.alias})` : ` (tagged for ${read.alias}, no alias)`}` +
    ' is a toolkit key of this environment whose network or key name is no longer in the file';
  const balance =
    orphaned.balanceWei !== undefined
      ? `balance ${orphaned.balanceWei} wei${orphaned.symbol ? ` (${orphaned.symbol})` : ''}, one transfer's fee ${orphaned.feeWei} wei`
      : `balance ${orphaned.balanceUnknown ?? 'not needed (an attestation key holds no gas)'}`;
  if (orphaned.retire === 'pending-deletion') {
    return `${what}; pending deletion${read.info?.deletionDate ? ` on ${read.info.deletionDate}` : ''}: nothing to do (to keep it: \`${undoDeletionCommand(read.keyId)}\`)`;
  }
  if (retire) {
    const why = orphaned.abandoned ? 'the file abandons its network (keys.abandon)' : 'drained';
    const unalias = read.aliased
      ? `removes ${read.alias} (no signer policy matches it then), `
      : '';
    return `${what}; ${balance}; ${why}: apply ${unalias}disables it and schedules its deletion in ${orphaned.deletionDays ?? LEFTOVER_DELETION_DAYS} days (undo: \`${undoDeletionCommand(read.keyId)}\`)`;
  }
  const next =
    orphaned.retire === 'ready'
      ? 'apply with --prune disables it and schedules its deletion'
      : `drain it first (\`nomad-ops keys drain --env <env> --key ${read.alias} --to bank\`) or abandon its network (\`keys.abandon\`), then apply with --prune`;
  return `${what}; ${balance}; ${prune ? 'not retired: ' : ''}${next}`;
}
