import {
  DescribeKeyCommand,
  ListResourceTagsCommand,
  TagResourceCommand as KmsTagResourceCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import {
  DescribeSecretCommand,
  TagResourceCommand as SecretTagResourceCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName, OperationError } from '../errors.js';
import { TAG_KEYS } from '../inventory/tags.js';
import { keyStoreError } from './key-store-errors.js';

/**
 * The record of the funding settings last approved: tags on the bank (its KMS key, or its
 * secret in development). Every successful `keys apply` writes them; the Keymaster and plans
 * read them.
 */

export interface FundingRecord {
  /** Full sha256 (64 hex digits) of the funding settings applied. */
  sha256: string;
  /** The commit the applied file came from, when the apply knew it. */
  commit?: string | undefined;
  /** When the apply recorded it (ISO 8601, UTC); absent on records written before 0.2. */
  recordedAt?: string | undefined;
  /**
   * During a switched bank rotation: the KMS key id of the staged bank the apply approved. The
   * Keymaster sweeps the old bank to it and then moves the bank alias onto it.
   */
  nextBank?: string | undefined;
}

/** `missing`: the bank does not exist yet; `none`: it exists and nothing was recorded on it. */
export type FundingRecordState =
  { bank: 'missing' } | { bank: 'found'; record: FundingRecord | undefined };

export interface FundingRecordStore {
  read(): Promise<FundingRecordState>;
  /** Throws when the bank does not exist (apply it first) or the tags cannot be written. */
  write(record: FundingRecord): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
/** A KMS key id (a UUID, or `mrk-` and 32 hex digits). */
const KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** The record the tags carry; a malformed hash counts as none (it matches no settings). */
export function recordFromTags(
  tags: Record<string, string | undefined>,
): FundingRecord | undefined {
  const sha256 = tags[TAG_KEYS.fundingSha256]?.trim().toLowerCase();
  if (!sha256 || !SHA256.test(sha256)) return undefined;
  const commit = tags[TAG_KEYS.fundingCommit]?.trim().toLowerCase();
  const recordedAt = tags[TAG_KEYS.fundingRecordedAt]?.trim();
  const nextBank = tags[TAG_KEYS.fundingNextBank]?.trim().toLowerCase();
  return {
    sha256,
    ...(commit && COMMIT.test(commit) ? { commit } : {}),
    ...(recordedAt && ISO_TIME.test(recordedAt) ? { recordedAt } : {}),
    ...(nextBank && KEY_ID.test(nextBank) ? { nextBank } : {}),
  };
}

function tagsOf(record: FundingRecord): Array<{ key: string; value: string }> {
  if (!SHA256.test(record.sha256)) {
    throw new OperationError(
      `funding settings hash "${record.sha256}" is not 64 lower-case hex digits: ` +
        'the plan computed it wrongly; nothing was recorded',
    );
  }
  // Every tag every time: a commit or time left from an earlier record must never pass for this
  // one's (the apply role may tag, not untag), so an unknown value is written empty.
  return [
    { key: TAG_KEYS.fundingSha256, value: record.sha256 },
    {
      key: TAG_KEYS.fundingCommit,
      value: record.commit && COMMIT.test(record.commit) ? record.commit : '',
    },
    {
      key: TAG_KEYS.fundingRecordedAt,
      value: record.recordedAt && ISO_TIME.test(record.recordedAt) ? record.recordedAt : '',
    },
    {
      key: TAG_KEYS.fundingNextBank,
      value: record.nextBank && KEY_ID.test(record.nextBank) ? record.nextBank : '',
    },
  ];
}

/** On the bank's KMS key, found by its alias (ListResourceTags and TagResource take no alias). */
export function kmsFundingRecord(kms: KMSClient, bankAlias: string): FundingRecordStore {
  const keyId = async (): Promise<string | undefined> => {
    try {
      const answer = await kms.send(new DescribeKeyCommand({ KeyId: bankAlias }));
      return answer.KeyMetadata?.KeyId;
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return undefined;
      throw keyStoreError(error, 'KMS DescribeKey', bankAlias);
    }
  };
  return {
    async read() {
      const id = await keyId();
      if (!id) return { bank: 'missing' };
      const tags: Record<string, string | undefined> = {};
      let marker: string | undefined;
      try {
        do {
          const page = await kms.send(new ListResourceTagsCommand({ KeyId: id, Marker: marker }));
          for (const t of page.Tags ?? []) if (t.TagKey) tags[t.TagKey] = t.TagValue;
          marker = page.Truncated ? page.NextMarker : undefined;
        } while (marker);
      } catch (error) {
        throw keyStoreError(error, 'KMS ListResourceTags', bankAlias);
      }
      return { bank: 'found', record: recordFromTags(tags) };
    },
    async write(record) {
      const id = await keyId();
      if (!id) {
        throw new OperationError(
          `${bankAlias} does not exist, so the approved funding settings cannot be recorded on ` +
            'it: run `nomad-ops keys apply` to create the keys first',
        );
      }
      const Tags = tagsOf(record).map((t) => ({ TagKey: t.key, TagValue: t.value }));
      try {
        await kms.send(new KmsTagResourceCommand({ KeyId: id, Tags }));
      } catch (error) {
        throw keyStoreError(error, 'KMS TagResource', bankAlias);
      }
    },
  };
}

/** On the bank's secret (development). */
export function secretFundingRecord(
  secrets: SecretsManagerClient,
  secretName: string,
): FundingRecordStore {
  const describe = async () => {
    try {
      return await secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw keyStoreError(error, 'Secrets Manager DescribeSecret', secretName, {
        keepCause: false,
      });
    }
  };
  return {
    async read() {
      const described = await describe();
      if (!described || described.DeletedDate) return { bank: 'missing' };
      const tags = Object.fromEntries((described.Tags ?? []).map((t) => [t.Key ?? '', t.Value]));
      return { bank: 'found', record: recordFromTags(tags) };
    },
    async write(record) {
      const described = await describe();
      if (!described)
        throw new OperationError(
          `${secretName} does not exist, so the approved funding settings cannot be recorded ` +
            'on it: run `nomad-ops keys apply` to create the keys first',
        );
      const Tags = tagsOf(record).map((t) => ({ Key: t.key, Value: t.value }));
      try {
        await secrets.send(
          new SecretTagResourceCommand({ SecretId: described.ARN ?? secretName, Tags }),
        );
      } catch (error) {
        throw keyStoreError(error, 'Secrets Manager TagResource', secretName, {
          keepCause: false,
        });
      }
    },
  };
}
