import type { KMSClient } from '@aws-sdk/client-kms';

/** What the planner needs to know about one KMS key (DescribeKey). */
export interface KmsKeyInfo {
  keyId: string;
  arn: string;
  description: string;
  /** `KeySpec`, or `CustomerMasterKeySpec` where only that is answered (moto). */
  keySpec?: string | undefined;
  keyUsage?: string | undefined;
  /** `Enabled`, `Disabled`, `PendingDeletion`, … */
  keyState?: string | undefined;
  /** ISO time; only for keys pending deletion. */
  deletionDate?: string | undefined;
  /** ISO time. */
  creationDate?: string | undefined;
}

/**
 * What GetPublicKey answers (by key id or alias): the key, its spec and usage, and for a
 * secp256k1 key its address. KMS answers it only for a usable key: a disabled key or one pending
 * deletion is `refused`, with the AWS error name, and DescribeKey says more.
 */
export type KmsPublicKeyRead =
  | { state: 'missing' }
  | { state: 'refused'; error: string }
  | {
      state: 'usable';
      keyId: string;
      arn: string;
      keySpec?: string | undefined;
      keyUsage?: string | undefined;
      /** EIP-55 address; only for an ECC_SECG_P256K1 key. */
      address?: string | undefined;
    };

export interface KmsAliasEntry {
  aliasName: string;
  /** `arn:aws:kms:{region}:{account}:alias/…` */
  aliasArn?: string | undefined;
  targetKeyId?: string | undefined;
}

export interface KmsKeyWithTags {
  keyId: string;
  tags: Record<string, string>;
}

/** What a search among the keys without an alias found. */
export interface UnaliasedKeys {
  /** Keys whose tags passed the filter, with their tags. */
  keys: KmsKeyWithTags[];
  /**
   * Keys whose tags these credentials may not read (a key policy that does not delegate to IAM
   * answers AccessDeniedException): skipped, since a key we cannot read cannot be adopted.
   */
  unreadable: string[];
  /** Every alias of the account and region, as listed for the search. */
  aliases: KmsAliasEntry[];
}

/** A grant on a key, as ListGrants returns it. */
export interface KeyGrantInfo {
  grantId: string;
  grantee?: string;
  operations: string[];
}

/** What decides whether a key may be used or adopted: who its policy and grants let in, its tags. */
export interface KeyAccess {
  /** The key policy document (JSON, as KMS returns it). */
  policy: string;
  grants: KeyGrantInfo[];
  tags: Record<string, string>;
}

/**
 * The KMS operations key planning depends on. The real implementation is `createKmsKeyStore`;
 * tests can wrap or replace it (e.g. to make a run die between CreateKey and CreateAlias).
 */
export interface KmsKeyStore {
  readonly kind: 'kms';
  readonly region: string;
  /** Metadata of a key by id, ARN or alias; undefined when it does not exist. */
  describeKey(keyIdOrAlias: string): Promise<KmsKeyInfo | undefined>;
  /** One GetPublicKey by id or alias: key id, spec, usage and (secp256k1) the address. */
  readPublicKey(keyIdOrAlias: string): Promise<KmsPublicKeyRead>;
  /** EIP-55 address of a secp256k1 key (GetPublicKey). */
  publicAddress(keyId: string): Promise<string>;
  /** Every alias in the account and region, all pages. */
  listAliases(): Promise<KmsAliasEntry[]>;
  /**
   * Keys that no alias points at and whose tags pass `wanted`; those we may not read, apart.
   * `aliases`: the account's aliases when already listed (else listed here).
   */
  findUnaliasedKeys(
    wanted: (tags: Record<string, string>) => boolean,
    aliases?: KmsAliasEntry[],
  ): Promise<UnaliasedKeys>;
  /**
   * CreateKey, sent once (never retried blindly: a lost answer would make a second key); only a
   * throttled request, which KMS refused without doing it, is sent again. Throws
   * `AmbiguousWriteError` when KMS may have created the key anyway: look it up by its tags.
   */
  createKey(input: { description: string; tags: Record<string, string> }): Promise<KmsKeyInfo>;
  /** Throws `AliasExistsError` when the alias exists: read it to know what it points at. */
  createAlias(aliasName: string, keyId: string): Promise<void>;
  /** DeleteAlias; an alias already gone is done (a retry, or another run). */
  deleteAlias(aliasName: string): Promise<void>;
  /** DisableKey then ScheduleKeyDeletion; returns the deletion date (ISO) KMS answers. */
  retireKey(keyId: string, pendingWindowInDays: number): Promise<string | undefined>;
  /** The key policy, grants and tags, to decide whether the key may be used or adopted. */
  readKeyAccess(keyId: string): Promise<KeyAccess>;
  /**
   * The key's tags (ListResourceTags); 'gone' when the key does not exist, 'denied' when its key
   * policy does not let these credentials read them.
   */
  readTags(keyId: string): Promise<Record<string, string> | 'gone' | 'denied'>;
  /** TagResource: adds or overwrites these tags on the key. */
  tagKey(keyId: string, tags: Record<string, string>): Promise<void>;
  /** UntagResource: removes these tag keys (absent ones are no error). */
  untagKey(keyId: string, tagKeys: readonly string[]): Promise<void>;
  /** UpdateAlias: points an existing alias at another key (a rotation's switch). */
  updateAlias(aliasName: string, keyId: string): Promise<void>;
}

/** KMS's documented default request quotas (per account and region, per operation). */
export const KMS_QUOTAS = {
  /** CreateKey, CreateAlias, DisableKey, ScheduleKeyDeletion, TagResource: each 5 per second. */
  writesPerSecond: 5,
  /** GetPublicKey, DescribeKey: each 2,000 per second. */
  readsPerSecond: 2000,
} as const;

export interface KmsKeyStoreOptions {
  region: string;
  /**
   * Reads in flight at once (GetPublicKey, DescribeKey, List*). Default `KMS_SOCKETS` (128): at
   * 50 ms a round trip that is above 2,000 reads a second, the GetPublicKey quota.
   */
  readConcurrency?: number;
  /** GetPublicKey and DescribeKey started per second (default 2,000, the quota). */
  readsPerSecond?: number;
  /**
   * CreateKey, CreateAlias, DisableKey and ScheduleKeyDeletion started per second, each
   * operation paced on its own (default 5, the quota): paced writes are never throttled.
   */
  writesPerSecond?: number;
  /** A client that sends each request once (`AwsClients.kmsSingleAttempt`), for CreateKey. */
  singleAttempt?: KMSClient;
  /** Throttled CreateKey: attempts in all, and the wait before attempt n (default 2^n × 100 ms + jitter). */
  createAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds, for pacing; default `performance.now`. */
  now?: () => number;
  /** The key policy a new key gets, from its tags (JSON); KMS's default policy when absent. */
  keyPolicy?: (tags: Record<string, string>) => string;
}

/**
 * KMS requests in flight at once, and the sockets the KMS client may open for them. The SDK's
 * default of 50 sockets would cut a plan's reads (one GetPublicKey per key) into extra round trips.
 */
export const KMS_SOCKETS = 128;
