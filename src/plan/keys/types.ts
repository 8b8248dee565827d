import type { KeyPurpose, KeySpec } from '../../inventory/types.js';

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
  /** Something a reviewer should know about a planned key that is not a problem with it. */
  warning?: string;
  /**
   * Only on a key no alias points at (a `leftover`): whether apply disables it and schedules its
   * deletion, or leaves it (already pending deletion, or its alias left the environment).
   */
  leftover?: 'schedule-deletion' | 'keep';
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
}

/** What happened to one key: a planned action, or (after apply) its outcome. */
export type KeyStatus =
  | 'exists'
  | 'create'
  | 'adopt'
  | 'broken'
  | 'created'
  | 'adopted'
  | 'failed'
  /** A key the toolkit made for the environment that no alias points at (see `leftover`). */
  | 'leftover'
  /** A leftover this apply disabled and scheduled for deletion (the reason says how to undo). */
  | 'scheduled'
  /**
   * A key the toolkit made for an alias that now points elsewhere, not provably extra (it may
   * have held the alias): fails the plan, never changed until a person decides.
   */
  | 'conflict';

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
