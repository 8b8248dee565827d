import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CorsRule, PublicAccessBlock, Tags } from './s3.js';

/**
 * One S3 write, as data: the bucket plan decides the steps, `runS3Step` carries one out through
 * `S3_STEPS`, a table from each op to the handler that builds and sends its SDK command.
 */
export type S3Step =
  | { op: 'createBucket'; bucket: string; region: string }
  /** PutBucketTagging replaces the whole set: `tags` is the complete new set. */
  | { op: 'putBucketTags'; bucket: string; tags: Tags }
  | { op: 'putPublicAccessBlock'; bucket: string; block: PublicAccessBlock }
  | { op: 'putBucketPolicy'; bucket: string; policy: string }
  | { op: 'putBucketCors'; bucket: string; rules: CorsRule[] }
  | { op: 'deleteBucketCors'; bucket: string }
  | { op: 'enableVersioning'; bucket: string }
  | { op: 'putDefaultEncryption'; bucket: string; algorithm: 'AES256' };

type Handler<Op extends S3Step['op']> = (
  s3: S3Client,
  step: Extract<S3Step, { op: Op }>,
) => Promise<unknown>;

/** Every S3 write the bucket plan can ask for: op → the handler that sends its command. */
export const S3_STEPS: { [Op in S3Step['op']]: Handler<Op> } = {
  // us-east-1 takes no LocationConstraint; every other region needs one.
  createBucket: (s3, s) =>
    s3.send(
      new CreateBucketCommand({
        Bucket: s.bucket,
        ...(s.region === 'us-east-1'
          ? {}
          : {
              CreateBucketConfiguration: {
                LocationConstraint: s.region as BucketLocationConstraint,
              },
            }),
      }),
    ),
  putBucketTags: (s3, s) =>
    s3.send(
      new PutBucketTaggingCommand({
        Bucket: s.bucket,
        Tagging: { TagSet: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    ),
  putPublicAccessBlock: (s3, s) =>
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: s.bucket,
        PublicAccessBlockConfiguration: s.block,
      }),
    ),
  putBucketPolicy: (s3, s) =>
    s3.send(new PutBucketPolicyCommand({ Bucket: s.bucket, Policy: s.policy })),
  putBucketCors: (s3, s) =>
    s3.send(
      new PutBucketCorsCommand({ Bucket: s.bucket, CORSConfiguration: { CORSRules: s.rules } }),
    ),
  deleteBucketCors: (s3, s) => s3.send(new DeleteBucketCorsCommand({ Bucket: s.bucket })),
  enableVersioning: (s3, s) =>
    s3.send(
      new PutBucketVersioningCommand({
        Bucket: s.bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    ),
  putDefaultEncryption: (s3, s) =>
    s3.send(
      new PutBucketEncryptionCommand({
        Bucket: s.bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: s.algorithm } }],
        },
      }),
    ),
};

export async function runS3Step(s3: S3Client, step: S3Step): Promise<void> {
  const handler = S3_STEPS[step.op] as Handler<S3Step['op']>;
  await handler(s3, step);
}
