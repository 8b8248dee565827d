import {
  type CORSRule,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName } from '../errors.js';

/**
 * The proofs bucket as the bucket plan needs it: reads return plain data with `undefined` for
 * "not configured". Writes are the step table of `s3-steps.ts`.
 */

export type Tags = Record<string, string>;

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface CorsRule {
  AllowedMethods: string[];
  AllowedOrigins: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export type BucketState =
  | { exists: false }
  /** The name is taken by a bucket this account cannot read (another account's). */
  | { exists: true; foreign: true; status: number }
  | {
      exists: true;
      foreign: false;
      region: string;
      tags: Tags;
      /** Bucket policy text, undefined when none. */
      policy: string | undefined;
      cors: CorsRule[] | undefined;
      publicAccessBlock: PublicAccessBlock | undefined;
      empty: boolean;
      /** `Enabled`, `Suspended`, or undefined when never enabled. */
      versioning: string | undefined;
      /** The default encryption's algorithm (`AES256`, `aws:kms`), undefined when none. */
      encryption: string | undefined;
    };

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

async function orUndefined<T>(read: () => Promise<T>, missing: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (missing.includes(awsErrorName(error) ?? '')) return undefined;
    throw error;
  }
}

/** Where S3 says a bucket lives: an empty or missing LocationConstraint means us-east-1. */
export function regionOfLocation(location: string | undefined): string {
  if (!location) return 'us-east-1';
  return location === 'EU' ? 'eu-west-1' : location;
}

export async function readBucket(s3: S3Client, bucket: string): Promise<BucketState> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = httpStatus(error);
    if (
      awsErrorName(error) === 'NotFound' ||
      awsErrorName(error) === 'NoSuchBucket' ||
      status === 404
    ) {
      return { exists: false };
    }
    if (status === 403) return { exists: true, foreign: true, status };
    throw error;
  }
  const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
  const tags = await orUndefined(
    async () => (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? [],
    ['NoSuchTagSet', 'NoSuchTagSetError'],
  );
  const policy = await orUndefined(
    async () => (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy,
    ['NoSuchBucketPolicy'],
  );
  const cors = await orUndefined(
    async () => (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [],
    ['NoSuchCORSConfiguration'],
  );
  const block = await orUndefined(
    async () =>
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))
        .PublicAccessBlockConfiguration,
    ['NoSuchPublicAccessBlockConfiguration'],
  );
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
  const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  const encryption = await orUndefined(
    async () =>
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })))
        .ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ['ServerSideEncryptionConfigurationNotFoundError'],
  );
  const tagRecord: Tags = {};
  for (const t of tags ?? []) if (t.Key !== undefined) tagRecord[t.Key] = t.Value ?? '';
  return {
    exists: true,
    foreign: false,
    region: regionOfLocation(LocationConstraint),
    tags: tagRecord,
    policy,
    cors: cors?.map(toCorsRule),
    publicAccessBlock: block ? toPublicAccessBlock(block) : undefined,
    empty: (listing.KeyCount ?? listing.Contents?.length ?? 0) === 0,
    versioning,
    encryption,
  };
}

function toCorsRule(rule: CORSRule): CorsRule {
  return {
    AllowedMethods: rule.AllowedMethods ?? [],
    AllowedOrigins: rule.AllowedOrigins ?? [],
    ...(rule.AllowedHeaders?.length ? { AllowedHeaders: rule.AllowedHeaders } : {}),
    ...(rule.ExposeHeaders?.length ? { ExposeHeaders: rule.ExposeHeaders } : {}),
    ...(rule.MaxAgeSeconds !== undefined ? { MaxAgeSeconds: rule.MaxAgeSeconds } : {}),
  };
}

function toPublicAccessBlock(c: PublicAccessBlockConfiguration): PublicAccessBlock {
  return {
    BlockPublicAcls: c.BlockPublicAcls ?? false,
    IgnorePublicAcls: c.IgnorePublicAcls ?? false,
    BlockPublicPolicy: c.BlockPublicPolicy ?? false,
    RestrictPublicBuckets: c.RestrictPublicBuckets ?? false,
  };
}
