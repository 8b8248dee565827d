import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  type KeyMetadata,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { addressFromSpki } from '../eth/address.js';
import { classifyFailure } from './failures.js';
import {
  AliasExistsError,
  AmbiguousWriteError,
  awsErrorName,
  keyStoreError,
} from './key-store-errors.js';
import { createLimiter, type Limiter } from './limiter.js';
import { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from '../eth/key-spec.js';

export { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE };

/** What the planner needs to know about one KMS key. */
export interface KmsKeyInfo {
  keyId: string;
  arn: string;
  description: string;
  /** `KeySpec`, or `CustomerMasterKeySpec` where only that is answered (moto). */
  keySpec?: string;
  keyUsage?: string;
  /** `Enabled`, `Disabled`, `PendingDeletion`, … */
  keyState?: string;
  /** ISO time; only for keys pending deletion. */
  deletionDate?: string;
  /** ISO time. */
  creationDate?: string;
}

export interface KmsAliasEntry {
  aliasName: string;
  targetKeyId?: string;
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

/**
 * The KMS operations key planning depends on. The real implementation is `createKmsKeyStore`;
 * tests can wrap or replace it (e.g. to make a run die between CreateKey and CreateAlias).
 */
export interface KmsKeyStore {
  readonly kind: 'kms';
  readonly region: string;
  /** Metadata of a key by id, ARN or alias; undefined when it does not exist. */
  describeKey(keyIdOrAlias: string): Promise<KmsKeyInfo | undefined>;
  /** EIP-55 address of a secp256k1 key (GetPublicKey). */
  publicAddress(keyId: string): Promise<string>;
  /** Every alias in the account and region, all pages. */
  listAliases(): Promise<KmsAliasEntry[]>;
  /** Keys that no alias points at and whose tags pass `wanted`; those we may not read, apart. */
  findUnaliasedKeys(wanted: (tags: Record<string, string>) => boolean): Promise<UnaliasedKeys>;
  /**
   * CreateKey, sent once (never retried blindly: a lost answer would make a second key); only a
   * throttled request, which KMS refused without doing it, is sent again. Throws
   * `AmbiguousWriteError` when KMS may have created the key anyway: look it up by its tags.
   */
  createKey(input: { description: string; tags: Record<string, string> }): Promise<KmsKeyInfo>;
  /** Throws `AliasExistsError` when the alias exists: read it to know what it points at. */
  createAlias(aliasName: string, keyId: string): Promise<void>;
  /** DisableKey then ScheduleKeyDeletion; returns the deletion date (ISO) KMS answers. */
  retireKey(keyId: string, pendingWindowInDays: number): Promise<string | undefined>;
  /** The key policy, grants and tags, to decide whether the key may be used or adopted. */
  readKeyAccess(keyId: string): Promise<KeyAccess>;
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

export interface KmsKeyStoreOptions {
  region: string;
  /** Concurrent read calls (DescribeKey, GetPublicKey, List*): quotas are 2000/s. Default 16. */
  readConcurrency?: number;
  /** Concurrent CreateKey/CreateAlias calls: quota is 5/s, the SDK's adaptive retry paces the rest. Default 5. */
  writeConcurrency?: number;
  /** A client that sends each request once (`AwsClients.kmsSingleAttempt`), for CreateKey. */
  singleAttempt?: KMSClient;
  /** Throttled CreateKey: attempts in all, and the wait before attempt n (default 2^n × 100 ms + jitter). */
  createAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The key policy a new key gets, from its tags (JSON); KMS's default policy when absent. */
  keyPolicy?: (tags: Record<string, string>) => string;
}

const PAGE_SIZE = 100;

function toKeyInfo(meta: KeyMetadata | undefined, requested: string): KmsKeyInfo {
  if (!meta?.KeyId || !meta.Arn) {
    throw keyStoreError(new Error('answer has no KeyMetadata'), 'KMS DescribeKey', requested);
  }
  return {
    keyId: meta.KeyId,
    arn: meta.Arn,
    description: meta.Description ?? '',
    keySpec: meta.KeySpec ?? meta.CustomerMasterKeySpec,
    keyUsage: meta.KeyUsage,
    keyState: meta.KeyState,
    deletionDate: meta.DeletionDate?.toISOString(),
    creationDate: meta.CreationDate?.toISOString(),
  };
}

/** Follows `NextMarker` while `Truncated`; refuses a marker that does not move. */
async function allPages<T>(
  fetchPage: (marker?: string) => Promise<{ items: T[]; truncated?: boolean; nextMarker?: string }>,
  what: string,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await fetchPage(marker);
    items.push(...page.items);
    if (!page.truncated || !page.nextMarker) return items;
    if (page.nextMarker === marker) throw new Error(`${what}: KMS returned the same marker twice`);
    marker = page.nextMarker;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createKmsKeyStore(kms: KMSClient, options: KmsKeyStoreOptions): KmsKeyStore {
  const read: Limiter = createLimiter(options.readConcurrency ?? 16);
  const write: Limiter = createLimiter(options.writeConcurrency ?? 5);
  const once = options.singleAttempt ?? kms;
  const sleep = options.sleep ?? defaultSleep;
  const createAttempts = options.createAttempts ?? 8;

  const call = async <T>(
    limiter: Limiter,
    operation: string,
    resource: string,
    run: () => Promise<T>,
  ) => {
    try {
      return await limiter(run);
    } catch (error) {
      throw keyStoreError(error, `KMS ${operation}`, resource);
    }
  };

  const listAliases = () =>
    allPages(
      (marker) =>
        call(read, 'ListAliases', 'in the account', async () => {
          const page = await kms.send(new ListAliasesCommand({ Limit: PAGE_SIZE, Marker: marker }));
          return {
            items: (page.Aliases ?? []).map((a) => ({
              aliasName: a.AliasName ?? '',
              targetKeyId: a.TargetKeyId,
            })),
            truncated: page.Truncated,
            nextMarker: page.NextMarker,
          };
        }),
      'ListAliases',
    );

  const listKeyIds = () =>
    allPages(
      (marker) =>
        call(read, 'ListKeys', 'in the account', async () => {
          const page = await kms.send(new ListKeysCommand({ Limit: PAGE_SIZE, Marker: marker }));
          return {
            items: (page.Keys ?? []).flatMap((k) => (k.KeyId ? [k.KeyId] : [])),
            truncated: page.Truncated,
            nextMarker: page.NextMarker,
          };
        }),
      'ListKeys',
    );

  /**
   * Tags of a key; 'gone' when the key vanished between ListKeys and this call, 'denied' when its
   * key policy does not let these credentials read them.
   */
  const listTags = async (keyId: string): Promise<Record<string, string> | 'gone' | 'denied'> => {
    try {
      const tags = await allPages(
        (marker) =>
          read(async () => {
            const page = await kms.send(
              new ListResourceTagsCommand({ KeyId: keyId, Limit: 50, Marker: marker }),
            );
            return {
              items: page.Tags ?? [],
              truncated: page.Truncated,
              nextMarker: page.NextMarker,
            };
          }),
        'ListResourceTags',
      );
      return Object.fromEntries(tags.map((t) => [t.TagKey ?? '', t.TagValue ?? '']));
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return 'gone';
      if (awsErrorName(error) === 'AccessDeniedException') return 'denied';
      throw keyStoreError(error, 'KMS ListResourceTags', keyId);
    }
  };

  const describeKey = async (keyIdOrAlias: string): Promise<KmsKeyInfo | undefined> => {
    try {
      const answer = await read(() => kms.send(new DescribeKeyCommand({ KeyId: keyIdOrAlias })));
      return toKeyInfo(answer.KeyMetadata, keyIdOrAlias);
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return undefined;
      throw keyStoreError(error, 'KMS DescribeKey', keyIdOrAlias);
    }
  };

  return {
    kind: 'kms',
    region: options.region,

    describeKey,

    async publicAddress(keyId) {
      const answer = await call(read, 'GetPublicKey', keyId, () =>
        kms.send(new GetPublicKeyCommand({ KeyId: keyId })),
      );
      const spec = answer.KeySpec ?? answer.CustomerMasterKeySpec;
      if (spec !== ETHEREUM_KEY_SPEC || !answer.PublicKey) {
        throw keyStoreError(
          new Error(`key spec is ${spec ?? 'unknown'}, not ${ETHEREUM_KEY_SPEC}`),
          'KMS GetPublicKey',
          keyId,
        );
      }
      return addressFromSpki(answer.PublicKey);
    },

    listAliases,

    async findUnaliasedKeys(wanted) {
      const [aliases, keyIds] = await Promise.all([listAliases(), listKeyIds()]);
      const aliased = new Set(aliases.flatMap((a) => (a.targetKeyId ? [a.targetKeyId] : [])));
      const candidates = keyIds.filter((id) => !aliased.has(id));
      const tagged = await Promise.all(
        candidates.map(async (keyId) => ({ keyId, tags: await listTags(keyId) })),
      );
      const keys: KmsKeyWithTags[] = [];
      const unreadable: string[] = [];
      for (const { keyId, tags } of tagged) {
        if (tags === 'denied') unreadable.push(keyId);
        else if (tags !== 'gone' && wanted(tags)) keys.push({ keyId, tags });
      }
      return { keys, unreadable, aliases };
    },

    async createKey({ description, tags }) {
      const command = () =>
        new CreateKeyCommand({
          KeySpec: ETHEREUM_KEY_SPEC,
          KeyUsage: ETHEREUM_KEY_USAGE,
          Description: description,
          Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
          ...(options.keyPolicy ? { Policy: options.keyPolicy(tags) } : {}),
        });
      for (let attempt = 1; ; attempt++) {
        try {
          const answer = await write(() => once.send(command()));
          return toKeyInfo(answer.KeyMetadata, description);
        } catch (error) {
          const kind = classifyFailure(error);
          if (kind === 'throttled' && attempt < createAttempts) {
            await sleep(Math.min(20_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
            continue;
          }
          const failed = keyStoreError(error, 'KMS CreateKey', `(${description})`);
          if (kind !== 'ambiguous') throw failed;
          throw new AmbiguousWriteError(
            `${failed.message}; KMS may have created the key anyway: it is looked up by its tags`,
            failed.operation,
            failed.resource,
            { cause: error },
          );
        }
      }
    },

    async readKeyAccess(keyId) {
      const [policy, grants, tags] = await Promise.all([
        call(read, 'GetKeyPolicy', keyId, async () => {
          const answer = await kms.send(
            new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }),
          );
          return answer.Policy ?? '{}';
        }),
        allPages(
          (marker) =>
            call(read, 'ListGrants', keyId, async () => {
              const page = await kms.send(
                new ListGrantsCommand({ KeyId: keyId, Limit: PAGE_SIZE, Marker: marker }),
              );
              return {
                items: (page.Grants ?? []).map((g) => ({
                  grantId: g.GrantId ?? '?',
                  ...(g.GranteePrincipal ? { grantee: g.GranteePrincipal } : {}),
                  operations: g.Operations ?? [],
                })),
                truncated: page.Truncated,
                nextMarker: page.NextMarker,
              };
            }),
          'ListGrants',
        ),
        listTags(keyId),
      ]);
      if (tags === 'gone' || tags === 'denied') {
        throw keyStoreError(
          new Error(tags === 'gone' ? 'the key vanished' : 'access denied'),
          'KMS ListResourceTags',
          keyId,
        );
      }
      return { policy, grants, tags };
    },

    async createAlias(aliasName, keyId) {
      try {
        await write(() =>
          kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId })),
        );
      } catch (error) {
        if (awsErrorName(error) === 'AlreadyExistsException') {
          throw new AliasExistsError(
            `KMS CreateAlias ${aliasName}: the alias already exists`,
            'KMS CreateAlias',
            aliasName,
            { cause: error },
          );
        }
        throw keyStoreError(error, 'KMS CreateAlias', aliasName);
      }
    },

    async retireKey(keyId, pendingWindowInDays) {
      // Both keep the standard retry: disabling a disabled key changes nothing, and a second
      // ScheduleKeyDeletion (a retry, or another run retiring the same key) answers
      // KMSInvalidStateException on a key already pending deletion, which is what we wanted.
      const alreadyPending = async (error: unknown, operation: string) => {
        if (awsErrorName(error) === 'KMSInvalidStateException') {
          const info = await describeKey(keyId);
          if (info?.keyState === 'PendingDeletion') return info.deletionDate ?? '';
        }
        throw keyStoreError(error, `KMS ${operation}`, keyId);
      };
      try {
        await write(() => kms.send(new DisableKeyCommand({ KeyId: keyId })));
      } catch (error) {
        return (await alreadyPending(error, 'DisableKey')) || undefined;
      }
      try {
        const answer = await write(() =>
          kms.send(
            new ScheduleKeyDeletionCommand({
              KeyId: keyId,
              PendingWindowInDays: pendingWindowInDays,
            }),
          ),
        );
        return answer.DeletionDate?.toISOString();
      } catch (error) {
        return (await alreadyPending(error, 'ScheduleKeyDeletion')) || undefined;
      }
    },
  };
}
