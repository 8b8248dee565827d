import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DisableKeyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from '../eth/key-spec.js';
import { classifyFailure } from './failures.js';
import { awsErrorName } from '../errors.js';
import {
  AliasExistsError,
  AmbiguousWriteError,
  keyStoreError,
  KeyStoreError,
} from './key-store-errors.js';
import { kmsReads, toKeyInfo } from './kms-reads.js';
import { KMS_QUOTAS, KMS_SOCKETS, type KmsKeyStore, type KmsKeyStoreOptions } from './kms-types.js';
import { createLimiter, type Limiter } from '../pool.js';
import { createPacer } from './pacer.js';

export { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE };
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes in flight at once, whatever their pace (a lost answer must not pile them up). */
const WRITES_IN_FLIGHT = 32;

export function createKmsKeyStore(kms: KMSClient, options: KmsKeyStoreOptions): KmsKeyStore {
  const sleep = options.sleep ?? defaultSleep;
  const read: Limiter = createLimiter(options.readConcurrency ?? KMS_SOCKETS);
  const readPacer = createPacer({
    perSecond: options.readsPerSecond ?? KMS_QUOTAS.readsPerSecond,
    sleep,
    ...(options.now ? { now: options.now } : {}),
  });
  const pacedRead: Limiter = (task) => read(() => readPacer(task));
  const inFlight = createLimiter(WRITES_IN_FLIGHT);
  // KMS counts each operation on its own: one pacer each, so CreateAlias never waits behind
  // CreateKey and a key is aliased right after it is made.
  const writePacer = () => {
    const pace = createPacer({
      perSecond: options.writesPerSecond ?? KMS_QUOTAS.writesPerSecond,
      sleep,
      ...(options.now ? { now: options.now } : {}),
    });
    return <T>(task: () => Promise<T>) => inFlight(() => pace(task));
  };
  const paced = {
    createKey: writePacer(),
    createAlias: writePacer(),
    disableKey: writePacer(),
    scheduleDeletion: writePacer(),
    tagResource: writePacer(),
    deleteAlias: writePacer(),
    untagResource: writePacer(),
    updateAlias: writePacer(),
  };
  const once = options.singleAttempt ?? kms;
  const createAttempts = options.createAttempts ?? 8;
  const reads = kmsReads(kms, read, pacedRead);

  return {
    kind: 'kms',
    region: options.region,
    ...reads,

    async publicAddress(keyId) {
      const answer = await reads.readPublicKey(keyId);
      if (answer.state !== 'usable' || !answer.address) {
        const why =
          answer.state === 'missing'
            ? 'the key does not exist'
            : answer.state === 'refused'
              ? `KMS refused it (${answer.error}): the key is disabled or pending deletion`
              : `key spec is ${answer.keySpec ?? 'unknown'}, not ${ETHEREUM_KEY_SPEC}`;
        throw new KeyStoreError(
          `KMS GetPublicKey ${keyId} failed: ${why}; run \`nomad-ops keys plan\` to see what to do`,
          'KMS GetPublicKey',
          keyId,
        );
      }
      return answer.address;
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
          const answer = await paced.createKey(() => once.send(command()));
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

    async createAlias(aliasName, keyId) {
      try {
        await paced.createAlias(() =>
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

    async tagKey(keyId, tags) {
      try {
        await paced.tagResource(() =>
          kms.send(
            new TagResourceCommand({
              KeyId: keyId,
              Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
            }),
          ),
        );
      } catch (error) {
        throw keyStoreError(error, 'KMS TagResource', keyId);
      }
    },

    // Both idempotent: the same request again leaves the same state.
    async untagKey(keyId, tagKeys) {
      try {
        await paced.untagResource(() =>
          kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: [...tagKeys] })),
        );
      } catch (error) {
        throw keyStoreError(error, 'KMS UntagResource', keyId);
      }
    },

    async updateAlias(aliasName, keyId) {
      try {
        await paced.updateAlias(() =>
          kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId })),
        );
      } catch (error) {
        throw keyStoreError(error, 'KMS UpdateAlias', aliasName);
      }
    },

    async deleteAlias(aliasName) {
      try {
        await paced.deleteAlias(() => kms.send(new DeleteAliasCommand({ AliasName: aliasName })));
      } catch (error) {
        // A retry, or another run, deleted it already: what we wanted.
        if (awsErrorName(error) === 'NotFoundException') return;
        throw keyStoreError(error, 'KMS DeleteAlias', aliasName);
      }
    },

    async retireKey(keyId, pendingWindowInDays) {
      // Both keep the standard retry: disabling a disabled key changes nothing, and a second
      // ScheduleKeyDeletion (a retry, or another run retiring the same key) answers
      // KMSInvalidStateException on a key already pending deletion, which is what we wanted.
      const alreadyPending = async (error: unknown, operation: string) => {
        if (awsErrorName(error) === 'KMSInvalidStateException') {
          const info = await reads.describeKey(keyId);
          if (info?.keyState === 'PendingDeletion') return info.deletionDate ?? '';
        }
        throw keyStoreError(error, `KMS ${operation}`, keyId);
      };
      try {
        await paced.disableKey(() => kms.send(new DisableKeyCommand({ KeyId: keyId })));
      } catch (error) {
        return (await alreadyPending(error, 'DisableKey')) || undefined;
      }
      try {
        const answer = await paced.scheduleDeletion(() =>
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
