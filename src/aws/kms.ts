import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KeyMetadata,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { addressFromSpki } from '../eth/address.js';
import { awsErrorName, keyStoreError } from './key-store-errors.js';
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
  createKey(input: { description: string; tags: Record<string, string> }): Promise<KmsKeyInfo>;
  createAlias(aliasName: string, keyId: string): Promise<void>;
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

export function createKmsKeyStore(kms: KMSClient, options: KmsKeyStoreOptions): KmsKeyStore {
  const read: Limiter = createLimiter(options.readConcurrency ?? 16);
  const write: Limiter = createLimiter(options.writeConcurrency ?? 5);

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

  return {
    kind: 'kms',
    region: options.region,

    async describeKey(keyIdOrAlias) {
      try {
        const answer = await read(() => kms.send(new DescribeKeyCommand({ KeyId: keyIdOrAlias })));
        return toKeyInfo(answer.KeyMetadata, keyIdOrAlias);
      } catch (error) {
        if (awsErrorName(error) === 'NotFoundException') return undefined;
        throw keyStoreError(error, 'KMS DescribeKey', keyIdOrAlias);
      }
    },

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
      return { keys, unreadable };
    },

    async createKey({ description, tags }) {
      const answer = await call(write, 'CreateKey', `(${description})`, () =>
        kms.send(
          new CreateKeyCommand({
            KeySpec: ETHEREUM_KEY_SPEC,
            KeyUsage: ETHEREUM_KEY_USAGE,
            Description: description,
            Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
            ...(options.keyPolicy ? { Policy: options.keyPolicy(tags) } : {}),
          }),
        ),
      );
      return toKeyInfo(answer.KeyMetadata, description);
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
          throw keyStoreError(
            new Error(
              'the alias appeared while this run was creating its key (another run in parallel?); ' +
                `key ${keyId} is left without an alias: plan again, and schedule its deletion if it is not adopted`,
            ),
            'KMS CreateAlias',
            aliasName,
          );
        }
        throw keyStoreError(error, 'KMS CreateAlias', aliasName);
      }
    },
  };
}
