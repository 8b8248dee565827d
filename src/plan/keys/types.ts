import type { KeyPurpose, KeySpec } from '../../inventory/types.js';
import type { RotationDetail } from './rotation-types.js';
import type { Change } from '../change.js';

/** Where an environment keeps its agent keys (DESIGN §2). */
export type KeyStoreKind = 'kms' | 'secrets-manager';

/** `Change.detail` of a key change. JSON-serialisable; never holds key material. */
export interface KeyDetail {
  store: KeyStoreKind;
  alias: string;
  region: string;
  /** The key's own description when it exists, else the one it will be created with. */
  description: string;
  purpose: KeyPurpose;
  network?: string;
  keyName?: string;
  /** Tags a created key gets (and an adopted key was found by). */
  tags: Record<string, string>;
  /** KMS key id, or the secret name in development. */
  keyId?: string;
  /** Key ARN, or the secret ARN in development. */
  arn?: string;
  /** EIP-55 address, once the key exists (or is found for adoption). */
  address?: string;
  /** As found on a broken key, so the report says what is wrong. */
  keySpec?: string;
  keyUsage?: string;
  keyState?: string;
  secretName?: string;
  /** Development `update` only: whether apply adds the missing address tag or corrects it. */
  addressTag?: 'added' | 'corrected';
  /** Something a reviewer should know about a planned key that is not a problem with it. */
  warning?: string;
  /**
   * Only on a key no alias points at (a `leftover`): whether apply disables it and schedules its
   * deletion, or leaves it (already pending deletion, or its alias left the environment).
   */
  leftover?: 'schedule-deletion' | 'keep';
  /** A leftover apply retires: the key its alias points at (absent while apply creates it). */
  aliasTarget?: string;
  /** ISO time a leftover is deleted on, once scheduled. */
  deletionDate?: string;
  /**
   * Adopt only: the key says it never held its alias (`nomad:aliased` false); apply records that
   * it may (true) before CreateAlias, so a key that held its alias is never taken for an extra.
   */
  markAliased?: boolean;
  /**
   * A key the toolkit made for the alias that no alias points at, which the toolkit cannot prove
   * extra (it may have held the alias, or the alias points at a key that is not the toolkit's
   * for it): a `conflict` row that fails the plan and is never changed.
   */
  conflict?: boolean;
  /** A declared rotation of the key (`keys.rotate`): where it stands and its steps. */
  rotation?: RotationDetail;
  /** Only on an `orphaned` key: its alias left the file (`keys-orphans.ts`). */
  orphaned?: OrphanDetail;
}

/** What the plan knows about an orphaned key's wallet and whether `--prune` may retire it. */
export interface OrphanDetail {
  /** An alias still points at it. */
  aliased: boolean;
  /** The file abandons its network (`keys.abandon`). */
  abandoned: boolean;
  /** Integer wei as a decimal string, when read. */
  balanceWei?: string;
  /** One plain transfer's fee on its network now, integer wei. */
  feeWei?: string;
  symbol?: string;
  /** Why the balance is unknown ("unknown: network not in the file"). */
  balanceUnknown?: string;
  /** `ready`: drained, abandoned or an attestation key; `--prune` retires it. */
  retire: 'ready' | 'not-drained' | 'pending-deletion';
  /** When this apply retires it: the deletion's waiting period (`keys.gracePeriodDays`). */
  deletionDays?: number;
}

/**
 * What happened to one key: a planned action, or (after apply) its outcome. The one list the
 * type, the plan JSON's schema and the summary line's order come from.
 */
export const KEY_STATUSES = [
  // planned
  'exists',
  'create',
  'adopt',
  /** Development: the secret's address tag is missing or wrong; apply writes it. */
  'update',
  // outcomes
  'created',
  'adopted',
  // problems
  'broken',
  'failed',
  /** A key the toolkit made for the environment that no alias points at (see `leftover`). */
  'leftover',
  /** A leftover this apply disabled and scheduled for deletion (the reason says how to undo). */
  'scheduled',
  /**
   * A key the toolkit made for an alias that now points elsewhere, not provably extra (it may
   * have held the alias): fails the plan, never changed until a person decides.
   */
  'conflict',
  /** A toolkit key of the environment whose alias left the file (see `orphaned`). */
  'orphaned',
  /** A declared rotation (`keys.rotate`): apply creates the staged key (plan). */
  'stage',
  /** A declared rotation: apply moves the alias and retires the old key, or finishes that (plan). */
  'switch',
  /** A rotation whose new key is staged beside the current one. */
  'staged',
  /** A rotation whose alias points at the new key, the old one retired. */
  'switched',
] as const;

export type KeyStatus = (typeof KEY_STATUSES)[number];

/** What a key status means, for every decision and renderer that groups keys by status. */
export interface KeyStatusMeaning {
  /** Apply writes something for a key planned with this status (a plan to approve). */
  writes: boolean;
  /** The key is there to be funded and signed with (or, a leftover, not an inventory key). */
  inPlace: boolean;
  /** This run creates or adopts the key (marked new in tables). */
  isNew: boolean;
  /** Listed under "needs attention": the key is not used and not changed. */
  problem: boolean;
  /** A key of the environment no alias points at. */
  leftover: boolean;
  /** A toolkit key whose alias left the file: listed apart, with its wallet's balances. */
  orphaned: boolean;
}

const status = (meaning: Partial<KeyStatusMeaning>): KeyStatusMeaning => ({
  writes: false,
  inPlace: false,
  isNew: false,
  problem: false,
  leftover: false,
  orphaned: false,
  ...meaning,
});

/** Per status, what it means: exhaustive, so a new status is placed deliberately. */
export const KEY_STATUS: Readonly<Record<KeyStatus, KeyStatusMeaning>> = {
  exists: status({ inPlace: true }),
  create: status({ writes: true, isNew: true }),
  adopt: status({ writes: true, isNew: true }),
  update: status({ writes: true }),
  broken: status({ problem: true }),
  created: status({ inPlace: true, isNew: true }),
  adopted: status({ inPlace: true, isNew: true }),
  failed: status({ problem: true }),
  leftover: status({ inPlace: true, leftover: true }),
  scheduled: status({ inPlace: true, leftover: true }),
  conflict: status({ problem: true }),
  // Not an inventory key: its alias left the file (issue 26); the Keymaster funds it no more.
  orphaned: status({ inPlace: true, orphaned: true }),
  // A declared rotation (keys.rotate): its alias keeps a usable key through both steps.
  stage: status({ writes: true }),
  switch: status({ writes: true }),
  staged: status({ inPlace: true }),
  switched: status({ inPlace: true }),
};

/** A planned key change (KMS or Secrets Manager): its detail is always there. */
export type KeyChange = Change<KeyDetail> & { detail: KeyDetail };

/** One line of the key and address table (Nomad's six columns plus what the report needs). */
export interface KeyRow {
  alias: string;
  region: string;
  keyId: string;
  arn: string;
  description: string;
  address: string;
  status: KeyStatus;
  /** Why broken or failed, and what to do; empty otherwise. */
  reason: string;
  purpose: KeyPurpose;
  network?: string | undefined;
  keyName?: string | undefined;
  store: KeyStoreKind;
  /** Leftover rows: what apply does (or did not do) about the key. */
  leftover?: 'schedule-deletion' | 'keep';
  /** Orphaned rows: the wallet's balance and what `--prune` may do. */
  orphaned?: OrphanDetail;
  /**
   * Rotation rows: the declared state and reason, and the addresses of the key the alias points
   * at now (`from`) and of the staged or new key (`to`); for attestation keys, `to` is the address
   * governance enrols before the switch.
   */
  rotation?: { state: 'staged' | 'switched'; reason: string; from?: string; to?: string };
}

export const KEY_CHANGE_KIND: Record<KeyStoreKind, string> = {
  kms: 'kms-key',
  'secrets-manager': 'secret-key',
};

export function baseDetail(key: KeySpec, store: KeyStoreKind, region: string): KeyDetail {
  return {
    store,
    alias: key.alias,
    region,
    description: key.description,
    purpose: key.purpose,
    ...(key.network !== undefined ? { network: key.network } : {}),
    ...(key.keyName !== undefined ? { keyName: key.keyName } : {}),
    tags: { ...key.tags },
    ...(key.secretName !== undefined ? { secretName: key.secretName } : {}),
  };
}
