import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KeyMetadata,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { addressFromSpki } from '../eth/address.js';
import { ETHEREUM_KEY_SPEC } from '../eth/key-spec.js';
import { awsErrorName } from '../errors.js';
import { keyStoreError, KeyStoreError } from './key-store-errors.js';
import type { Limiter } from '../pool.js';
import type {
  KeyAccess,
  KmsAliasEntry,
  KmsKeyInfo,
  KmsKeyWithTags,
  KmsPublicKeyRead,
  UnaliasedKeys,
} from './kms-types.js';
import { allPages } from './pages.js';

const PAGE_SIZE = 100;

/**
 * GetPublicKey's refusals of one key, as KMS documents them: disabled, pending deletion or
 * otherwise unavailable; not an asymmetric key (a symmetric or HMAC key answers
 * UnsupportedOperationException; InvalidKeyUsageException for a usage GetPublicKey cannot
 * serve); or a key whose key policy does not let these credentials read it (AccessDenied on a
 * key the toolkit did not make). Each is about that key only: the plan reports it as a `broken`
 * row and goes on with the others.
 */
export const REFUSED = new Set([
  'DisabledException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
  'UnsupportedOperationException',
  'InvalidKeyUsageException',
  'AccessDeniedException',
]);

export function toKeyInfo(meta: KeyMetadata | undefined, requested: string): KmsKeyInfo {
  if (!meta?.KeyId || !meta.Arn) {
    throw new KeyStoreError(
      `KMS DescribeKey ${requested}: the answer has no KeyMetadata; run again`,
      'KMS DescribeKey',
      requested,
    );
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

/** `arn:aws:kms:…:key/{id}` → the id; an id stays as it is. */
const keyIdOf = (idOrArn: string) => idOrArn.slice(idOrArn.lastIndexOf('/') + 1);

/**
 * The read calls of the KMS key store. `read` bounds the calls in flight; `paced` also spaces
 * GetPublicKey and DescribeKey to their quota.
 */
export function kmsReads(kms: KMSClient, read: Limiter, paced: Limiter) {
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

  const listAliases = (): Promise<KmsAliasEntry[]> =>
    allPages(
      (marker) =>
        call(read, 'ListAliases', 'in the account', async () => {
          const page = await kms.send(new ListAliasesCommand({ Limit: PAGE_SIZE, Marker: marker }));
          return {
            items: (page.Aliases ?? []).map((a) => ({
              aliasName: a.AliasName ?? '',
              aliasArn: a.AliasArn,
              targetKeyId: a.TargetKeyId,
            })),
            truncated: page.Truncated,
            nextMarker: page.NextMarker,
          };
        }),
      'KMS ListAliases',
    );

  const listKeyIds = (): Promise<string[]> =>
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
      'KMS ListKeys',
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
        'KMS ListResourceTags',
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
      const answer = await paced(() => kms.send(new DescribeKeyCommand({ KeyId: keyIdOrAlias })));
      return toKeyInfo(answer.KeyMetadata, keyIdOrAlias);
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return undefined;
      throw keyStoreError(error, 'KMS DescribeKey', keyIdOrAlias);
    }
  };

  const readPublicKey = async (keyIdOrAlias: string): Promise<KmsPublicKeyRead> => {
    let answer;
    try {
      answer = await paced(() => kms.send(new GetPublicKeyCommand({ KeyId: keyIdOrAlias })));
    } catch (error) {
      const name = awsErrorName(error) ?? '';
      if (name === 'NotFoundException') return { state: 'missing' };
      if (REFUSED.has(name)) return { state: 'refused', error: name };
      throw keyStoreError(error, 'KMS GetPublicKey', keyIdOrAlias);
    }
    if (!answer.KeyId) {
      throw new KeyStoreError(
        `KMS GetPublicKey ${keyIdOrAlias}: the answer names no key; run again`,
        'KMS GetPublicKey',
        keyIdOrAlias,
      );
    }
    const keySpec = answer.KeySpec ?? answer.CustomerMasterKeySpec;
    return {
      state: 'usable',
      keyId: keyIdOf(answer.KeyId),
      arn: answer.KeyId,
      keySpec,
      keyUsage: answer.KeyUsage,
      ...(keySpec === ETHEREUM_KEY_SPEC && answer.PublicKey
        ? { address: addressFromSpki(answer.PublicKey) }
        : {}),
    };
  };

  const findUnaliasedKeys = async (
    wanted: (tags: Record<string, string>) => boolean,
    listed?: KmsAliasEntry[],
  ): Promise<UnaliasedKeys> => {
    const [aliases, keyIds] = await Promise.all([listed ?? listAliases(), listKeyIds()]);
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
  };

  const readKeyAccess = async (keyId: string): Promise<KeyAccess> => {
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
        'KMS ListGrants',
      ),
      listTags(keyId),
    ]);
    if (tags === 'gone' || tags === 'denied') {
      throw new KeyStoreError(
        `KMS ListResourceTags ${keyId} failed: ` +
          (tags === 'gone'
            ? 'the key vanished meanwhile: run again'
            : 'access denied (the key policy does not let these credentials read its tags): ' +
              'inspect it with `aws kms get-key-policy`'),
        'KMS ListResourceTags',
        keyId,
      );
    }
    return { policy, grants, tags };
  };

  return {
    listAliases,
    describeKey,
    readPublicKey,
    findUnaliasedKeys,
    readKeyAccess,
    readTags: listTags,
  };
}
