import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName } from '../errors.js';

/**
 * Objects of the Keymaster's state bucket (`lease/`, `ledger/`), read and written with S3's
 * conditional writes: `If-None-Match: *` creates an object only when none exists (a ledger
 * record is never overwritten; a lease is taken only when free), `If-Match: <etag>` replaces it
 * only when nobody changed it since it was read (a lease renewed or taken over). S3 decides both
 * atomically: of two writers, one gets 200 and the other 412 PreconditionFailed.
 */

export interface StoredObject {
  body: string;
  etag: string;
}

/** The write was refused because the object changed (or exists); `etag` is what is there now. */
export type ConditionalPut = { ok: true; etag: string } | { ok: false; reason: 'conflict' };

export interface StateObjects {
  get(key: string): Promise<StoredObject | undefined>;
  /** Create `key` only if no object has it; a conflict when one does. */
  putIfAbsent(key: string, body: string): Promise<ConditionalPut>;
  /** Replace `key` only if its ETag is still `etag`; a conflict otherwise (or when it is gone). */
  putIfMatch(key: string, body: string, etag: string): Promise<ConditionalPut>;
  /** Every key under `prefix`, in S3's (lexicographic) order. */
  list(prefix: string): Promise<string[]>;
}

const httpStatus = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

/** 412: the condition failed. 409: S3 answers ConditionalRequestConflict to a concurrent writer. */
function isConflict(error: unknown): boolean {
  const status = httpStatus(error);
  return (
    status === 412 ||
    status === 409 ||
    awsErrorName(error) === 'PreconditionFailed' ||
    awsErrorName(error) === 'ConditionalRequestConflict'
  );
}

function isMissing(error: unknown): boolean {
  return awsErrorName(error) === 'NoSuchKey' || httpStatus(error) === 404;
}

export function s3StateObjects(s3: S3Client, bucket: string): StateObjects {
  async function put(key: string, body: string, condition: Record<string, string>) {
    try {
      const answer = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ...condition,
        }),
      );
      return { ok: true as const, etag: answer.ETag ?? '' };
    } catch (error) {
      // If-Match on an object deleted meanwhile is 404 (NoSuchKey): someone else's move too.
      if (isConflict(error) || (condition.IfMatch !== undefined && isMissing(error))) {
        return { ok: false as const, reason: 'conflict' as const };
      }
      throw error;
    }
  }
  return {
    async get(key) {
      try {
        const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: (await answer.Body?.transformToString()) ?? '', etag: answer.ETag ?? '' };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    putIfAbsent: (key, body) => put(key, body, { IfNoneMatch: '*' }),
    putIfMatch: (key, body, etag) => put(key, body, { IfMatch: etag }),
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
  };
}
