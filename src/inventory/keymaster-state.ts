import type { ResolvedEnvironment } from '../config/model.js';
import { bucketArn, checkBucketName, checkTags } from './names.js';
import { baseTags } from './tags.js';
import type { BucketSpec, PolicyDocument, PolicyStatement, PublicAccessBlock } from './types.js';

/**
 * The Keymaster's private state bucket, one per environment (DESIGN §6): `lease/` holds the bank's
 * lease (one payer at a time), `ledger/` every payment. Named like the proofs bucket, with
 * `keymaster` for `proofs` (`nomadxyz-{env}-keymaster`, or `nomadxyz-{env}-keymaster-{suffix}`
 * when the proofs bucket is `nomadxyz-{env}-proofs-{suffix}`), so both stay within the
 * `nomadxyz-{env}-*` names the environment's roles are bounded to.
 *
 * Append-only by policy, not by trust: the Keymaster role may create ledger objects only with
 * `If-None-Match: *` (never overwrite), and the bucket policy denies every principal, toolkit
 * roles and the account alike, deleting ledger objects or their versions, overwriting one, or
 * expiring them by a lifecycle rule. Versioning keeps any earlier version of an object.
 */

export const LEASE_KEY = 'lease/bank.json';
export const LEDGER_PREFIX = 'ledger/';
export const LEASE_PREFIX = 'lease/';

/** Private: every Block Public Access setting on. */
export const STATE_PUBLIC_ACCESS_BLOCK: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

export function stateBucketName(env: Pick<ResolvedEnvironment, 'name' | 'proofsBucket'>): string {
  const proofs = env.proofsBucket.name;
  const match = /^(.*)-proofs(-[a-z0-9-]+)?$/.exec(proofs);
  return checkBucketName(
    match ? `${match[1]}-keymaster${match[2] ?? ''}` : `nomadxyz-${env.name}-keymaster`,
  );
}

/** The Keymaster role's lines for its state bucket: read both prefixes, append to the ledger, write the lease. */
export function keymasterStateStatements(bucket: string): PolicyStatement[] {
  const arn = bucketArn(bucket);
  return [
    {
      Sid: 'ListKeymasterState',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: arn,
      Condition: { StringLike: { 's3:prefix': [`${LEDGER_PREFIX}*`, `${LEASE_PREFIX}*`] } },
    },
    {
      Sid: 'ReadKeymasterState',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [`${arn}/${LEDGER_PREFIX}*`, `${arn}/${LEASE_PREFIX}*`],
    },
    {
      // New ledger objects only: a PutObject without If-None-Match: * is not allowed.
      Sid: 'AppendToLedger',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: `${arn}/${LEDGER_PREFIX}*`,
      Condition: { StringEquals: { 's3:if-none-match': '*' } },
    },
    {
      // The lease is taken with If-None-Match: *, renewed and released with If-Match: <etag>.
      Sid: 'WriteBankLease',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: `${arn}/${LEASE_KEY}`,
    },
  ];
}

/** The plan role's line: read ledger objects (records, intents, balances snapshots), nothing else. */
export function ledgerReadStatement(env: ResolvedEnvironment): PolicyStatement {
  return {
    Sid: 'ReadKeymasterLedger',
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: `${bucketArn(stateBucketName(env))}/${LEDGER_PREFIX}*`,
  };
}

export const keymasterStatements = (env: ResolvedEnvironment) =>
  keymasterStateStatements(stateBucketName(env));

/** Denies for everyone: no deleting, overwriting or expiring ledger objects. */
export function stateBucketPolicyDocument(bucket: string): PolicyDocument {
  const arn = bucketArn(bucket);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyLedgerDeletes',
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        Resource: `${arn}/${LEDGER_PREFIX}*`,
      },
      {
        Sid: 'DenyLedgerOverwrites',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${arn}/${LEDGER_PREFIX}*`,
        Condition: { Null: { 's3:if-none-match': 'true' } },
      },
      {
        Sid: 'DenyLedgerExpiry',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutLifecycleConfiguration',
        Resource: arn,
      },
    ],
  };
}

/** The state bucket as the bucket plan wants it: private, versioned, encrypted, no CORS. */
export function stateBucketFor(env: ResolvedEnvironment): BucketSpec {
  const name = stateBucketName(env);
  return {
    name,
    arn: bucketArn(name),
    region: env.aws.region,
    policy: stateBucketPolicyDocument(name),
    cors: [],
    publicAccessBlock: { ...STATE_PUBLIC_ACCESS_BLOCK },
    tags: checkTags(`bucket ${name}`, baseTags(env.name)),
    versioning: true,
    encryption: 'AES256',
  };
}

/**
 * What the plan and apply roles need on the state bucket beyond the proofs bucket's actions
 * (commonStatements in policies.ts): reading and setting versioning and default encryption.
 */
export function stateBucketConfigStatement(
  env: ResolvedEnvironment,
  mode: 'read' | 'write',
): PolicyStatement {
  return {
    Sid: mode === 'read' ? 'ReadKeymasterStateBucket' : 'ConfigureKeymasterStateBucket',
    Effect: 'Allow',
    Action:
      mode === 'read'
        ? ['s3:GetBucket*', 's3:GetEncryptionConfiguration', 's3:ListBucket']
        : [
            's3:CreateBucket',
            's3:GetBucket*',
            's3:GetEncryptionConfiguration',
            's3:ListBucket',
            's3:PutBucketPolicy',
            's3:PutBucketPublicAccessBlock',
            's3:PutBucketTagging',
            's3:PutBucketVersioning',
            's3:PutEncryptionConfiguration',
          ],
    Resource: bucketArn(stateBucketName(env)),
  };
}
