import type { S3Client } from '@aws-sdk/client-s3';
import * as s3 from './s3.js';
import type { CorsRule, PublicAccessBlock, Tags } from './s3.js';

/** One S3 write, as data: the bucket plan decides the steps, `runS3Step` carries one out. */
export type S3Step =
  | { op: 'createBucket'; bucket: string; region: string }
  /** PutBucketTagging replaces the whole set: `tags` is the complete new set. */
  | { op: 'putBucketTags'; bucket: string; tags: Tags }
  | { op: 'putPublicAccessBlock'; bucket: string; block: PublicAccessBlock }
  | { op: 'putBucketPolicy'; bucket: string; policy: string }
  | { op: 'putBucketCors'; bucket: string; rules: CorsRule[] };

export async function runS3Step(client: S3Client, step: S3Step): Promise<void> {
  switch (step.op) {
    case 'createBucket':
      return s3.createBucket(client, step.bucket, step.region);
    case 'putBucketTags':
      return s3.putBucketTags(client, step.bucket, step.tags);
    case 'putPublicAccessBlock':
      return s3.putPublicAccessBlock(client, step.bucket, step.block);
    case 'putBucketPolicy':
      return s3.putBucketPolicy(client, step.bucket, step.policy);
    case 'putBucketCors':
      return s3.putBucketCors(client, step.bucket, step.rules);
  }
}
