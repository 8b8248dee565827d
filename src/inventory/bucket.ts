import type { ResolvedEnvironment } from '../config/model.js';
import { corsOriginProblem } from '../config/resource-names.js';
import { InventoryError } from './errors.js';
import { bucketArn, checkBucketName, checkTags } from './names.js';
import { bucketPolicyDocument } from './policies.js';
import { baseTags } from './tags.js';
import type { BucketSpec, PublicAccessBlock } from './types.js';

/**
 * Block Public Access stays on for ACLs and off for policies: the one public grant is the bucket
 * policy's anonymous GetObject. (RestrictPublicBuckets on would make S3 ignore that grant.)
 */
export const PROOFS_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

/** The proofs bucket: `{homeNetwork}_{leafIndex}` JSON objects the bridge GUI fetches. */
export function bucketFor(env: ResolvedEnvironment): BucketSpec {
  const name = checkBucketName(env.proofsBucket.name);
  const origins = env.proofsBucket.corsOrigins;
  if (origins.length === 0) {
    throw new InventoryError(
      `proofsBucket.corsOrigins of ${env.name} is empty; the bridge GUI could not fetch proofs. List its origin, or "*".`,
    );
  }
  for (const origin of origins) {
    const problem = corsOriginProblem(origin);
    if (problem) {
      throw new InventoryError(`proofsBucket.corsOrigins of ${env.name}: CORS origin ${problem}.`);
    }
  }
  return {
    name,
    arn: bucketArn(name),
    region: env.aws.region,
    policy: bucketPolicyDocument(name),
    cors: [
      {
        AllowedMethods: ['GET', 'HEAD'],
        AllowedOrigins: [...origins],
        AllowedHeaders: ['*'],
        MaxAgeSeconds: 3000,
      },
    ],
    publicAccessBlock: { ...PROOFS_PUBLIC_ACCESS_BLOCK },
    tags: checkTags(`bucket ${name}`, baseTags(env.name)),
  };
}
