import * as keymasterState from './keymaster-state.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { InventoryError } from './errors.js';
import { bankAlias, bucketArn, keyArnPattern, secretPrefix } from './names.js';
import { environmentAliasPattern, type KeyGrant } from './patterns.js';
import {
  keymasterBankRotationStatements,
  keymasterRoleArns,
  stagedBankRecordStatement,
} from './bank-rotation-statements.js';
import { iamReadStatements, kmsReadStatements, kmsWriteStatements } from './role-statements.js';
import { iamWriteStatements, type IamWriteScope } from './iam-write-statements.js';
import { retireKeyStatements } from './retire-statements.js';
import { rotationStatements } from './rotation-statements.js';
import { FUNDING_RECORD_TAG_KEYS } from './tags.js';
import type { PolicyDocument, PolicyStatement } from './types.js';
const doc = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

const keysOf = (env: ResolvedEnvironment) => keyArnPattern(env.aws.region, env.aws.accountId);
const bankAliasOf = (env: ResolvedEnvironment) => bankAlias(env.name);
/** The tags that record the approved funding settings on the bank (see `src/aws/funding-record.ts`). */
const FUNDING_RECORD_TAGS = FUNDING_RECORD_TAG_KEYS;
/** Every secret of the environment: `…:secret:nomad/{env}/*`. */
const secretsOf = (env: ResolvedEnvironment) =>
  `arn:aws:secretsmanager:${env.aws.region}:${env.aws.accountId}:secret:${secretPrefix(env.name)}*`;

/** An agent role's keys: Sign and GetPublicKey by alias pattern, or its secrets in development. */
export function signerPolicyDocument(env: ResolvedEnvironment, grant: KeyGrant): PolicyDocument {
  if (grant.kind === 'alias') {
    return doc({
      Sid: 'SignWithRoleKeys',
      Effect: 'Allow',
      Action: ['kms:GetPublicKey', 'kms:Sign'],
      Resource: keysOf(env),
      Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': grant.patterns } },
    });
  }
  return doc({
    Sid: 'ReadRoleKeySecrets',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: grant.patterns,
  });
}

/**
 * The Keymaster: sign with the bank only. It also reads (never signs with) the public keys of the
 * environment's agent keys, because it must know the addresses it funds; in development those
 * addresses are tags on the secrets, read with DescribeSecret, never the secrets themselves.
 */
export function keymasterPolicyDocument(env: ResolvedEnvironment, bank: KeyGrant): PolicyDocument {
  if (bank.kind === 'alias') {
    return doc(
      {
        Sid: 'SignWithBank',
        Effect: 'Allow',
        Action: ['kms:GetPublicKey', 'kms:Sign'],
        Resource: keysOf(env),
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': bank.patterns } },
      },
      {
        // The funding settings the last approved apply recorded (tags on the bank); read only.
        Sid: 'ReadApprovedFunding',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListResourceTags'],
        Resource: keysOf(env),
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': bank.patterns } },
      },
      {
        // Addresses, and what decides whether a key is the toolkit's and no one else's: the
        // Keymaster pays from and to such keys only (src/keymaster/run/key-trust.ts).
        Sid: 'ReadAgentAddresses',
        Effect: 'Allow',
        Action: ['kms:GetKeyPolicy', 'kms:GetPublicKey', 'kms:ListGrants', 'kms:ListResourceTags'],
        Resource: keysOf(env),
        Condition: {
          'ForAnyValue:StringLike': { 'kms:ResourceAliases': environmentAliasPattern(env) },
        },
      },
      // A switched bank rotation: the staged bank, and the bank alias moved onto it only.
      ...keymasterBankRotationStatements(env),
      ...keymasterState.keymasterStatements(env),
    );
  }
  return doc(
    {
      Sid: 'ReadBankSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: bank.patterns,
    },
    {
      Sid: 'ReadAgentAddresses',
      Effect: 'Allow',
      Action: 'secretsmanager:DescribeSecret',
      Resource: secretsOf(env),
    },
    ...keymasterState.keymasterStatements(env),
  );
}

/**
 * The key policy of every key the toolkit creates: the account delegates to IAM (KMS's default
 * policy), and no one, whatever IAM allows, gives the key a second alias (signer policies match
 * `ForAnyValue` over `kms:ResourceAliases`, so a second alias is a grant). The bank's alias is
 * never deleted, and only a Keymaster role moves it (a switched bank rotation, once the money
 * moved; its IAM policy allows its own bank alias onto a staged bank only). KMS has no condition key naming the
 * alias on the key side, so "only its own alias" is expressed as "no alias once it has one";
 * changing it takes the account's administrator editing this policy (PutKeyPolicy), which no
 * role of the toolkit may do.
 */
export function toolkitKeyPolicyDocument(
  accountId: string,
  purpose: 'signer' | 'attestation' | 'bank',
): PolicyDocument {
  const everyone = { AWS: '*' };
  return doc(
    {
      Sid: 'EnableIamPolicies',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'NoSecondAlias',
      Effect: 'Deny',
      Principal: everyone,
      Action: 'kms:CreateAlias',
      Resource: '*',
      Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/*' } },
    },
    ...(purpose === 'bank'
      ? [
          {
            Sid: 'BankAliasFixed',
            Effect: 'Deny' as const,
            Principal: everyone,
            Action: 'kms:DeleteAlias',
            Resource: '*',
          },
          {
            // Only a Keymaster role moves a bank alias (a switched bank rotation, after the
            // money moved); its IAM policy allows only its own bank alias onto a staged bank.
            Sid: 'BankAliasMovedOnlyByKeymaster',
            Effect: 'Deny' as const,
            Principal: everyone,
            Action: 'kms:UpdateAlias',
            Resource: '*',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': keymasterRoleArns(accountId) } },
          },
        ]
      : []),
  );
}

/**
 * The processor reads each proof before writing it, hence ListBucket (a missing key is 404).
 * With `homes`, objects only under those homes' prefixes: the processor names each proof
 * `{homeNetwork}_{leafIndex}` (DESIGN §5), so an operator running home A's processor writes
 * `A_*` and never another home's proofs. Without, every object (the core team's processors).
 */
export function uploaderPolicyDocument(bucket: string, homes?: readonly string[]): PolicyDocument {
  const objects = homes
    ? homes.map((h) => proofObjectPattern(bucket, h))
    : `${bucketArn(bucket)}/*`;
  return doc(
    { Sid: 'ListProofs', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn(bucket) },
    {
      Sid: 'ReadWriteProofs',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: objects,
    },
  );
}

/** The objects of one home's proofs: `{bucket}/{home}_*` (network names hold no `_`). */
export const proofObjectPattern = (bucket: string, home: string) =>
  `${bucketArn(bucket)}/${home}_*`;

/** Anyone may read proofs (the bridge GUI fetches them); nothing else is public. */
export function bucketPolicyDocument(bucket: string): PolicyDocument {
  return doc({
    Sid: 'PublicReadProofs',
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: `${bucketArn(bucket)}/*`,
  });
}

/**
 * Read-only view for plans on pull requests: no secret values, no signing, no writes, and only
 * the reads a plan makes (`iamReadStatements`: never the account's whole IAM), and the payment
 * ledger's objects (what the bank paid is no secret to the repository's readers).
 */
export function planPolicyDocument(env: ResolvedEnvironment, bucket: string): PolicyDocument {
  return doc(
    ...keyStoreReadStatements(env),
    ...commonStatements(env, bucket, 'read'),
    // keymaster ledger, --burn and the threshold proposal read the ledger (never the lease).
    keymasterState.ledgerReadStatement(env),
  );
}

function keyStoreReadStatements(env: ResolvedEnvironment): PolicyStatement[] {
  if (env.keyStore === 'kms') return kmsReadStatements(keysOf(env));
  return [
    { Sid: 'ListSecrets', Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' },
    {
      Sid: 'DescribeKeySecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:DescribeSecret',
      Resource: secretsOf(env),
    },
  ];
}

function commonStatements(
  env: ResolvedEnvironment,
  bucket: string,
  mode: 'read' | 'write',
): PolicyStatement[] {
  return [
    ...iamReadStatements(env.aws.accountId),
    {
      Sid: mode === 'read' ? 'ReadBucket' : 'ConfigureProofsBucket',
      Effect: 'Allow',
      Action:
        mode === 'read'
          ? ['s3:GetBucket*', 's3:ListBucket']
          : [
              's3:CreateBucket',
              's3:GetBucket*',
              's3:ListBucket',
              's3:PutBucketCORS',
              's3:PutBucketPolicy',
              's3:PutBucketPublicAccessBlock',
              's3:PutBucketTagging',
            ],
      Resource: bucketArn(bucket),
    },
    keymasterState.stateBucketConfigStatement(env, mode),
    { Sid: 'WhoAmI', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
  ];
}

export interface ApplyScope {
  bucket: string;
  /**
   * The users, groups and policies apply keeps in line: the environment's own (tagged with its
   * name) and, for the production apply only, the account-wide kms-admin (tagged `shared`);
   * every other environment leaves those to the administrator's bootstrap.
   */
  iam: IamWriteScope;
}

/**
 * What apply does, and no more: create keys and aliases of its environment (never change them;
 * only its tagged keys that no alias points at may be disabled and scheduled for deletion), its
 * users, groups and non-bootstrap policies, the funding record on its bank, and the proofs
 * bucket's configuration. It cannot touch roles, so it cannot widen its own rights, and every
 * write is scoped to its environment by name and by `nomad:environment` tag (`role-statements.ts`).
 */
export function applyPolicyDocument(env: ResolvedEnvironment, scope: ApplyScope): PolicyDocument {
  const { region, accountId } = env.aws;
  const statements: PolicyStatement[] = [...keyStoreReadStatements(env)];
  if (env.keyStore === 'kms') {
    statements.push(
      ...kmsWriteStatements(region, accountId, [env.name]),
      ...retireKeyStatements(env),
      {
        // The approval record of the funding settings: only these tags, only on this bank.
        Sid: 'RecordApprovedFunding',
        Effect: 'Allow',
        Action: 'kms:TagResource',
        Resource: keysOf(env),
        Condition: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': bankAliasOf(env) },
          'ForAllValues:StringEquals': { 'aws:TagKeys': FUNDING_RECORD_TAGS },
        },
      },
      stagedBankRecordStatement(env),
    );
  } else {
    statements.push({
      Sid: 'CreateKeySecrets',
      Effect: 'Allow',
      Action: [
        'secretsmanager:CreateSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:TagResource',
      ],
      Resource: secretsOf(env),
    });
  }
  statements.push(...commonStatements(env, scope.bucket, 'write'));
  return doc(...statements);
}

/**
 * The apply role's IAM writes, a managed policy of their own: a managed policy holds at most
 * 6,144 characters, and the apply role's keys, bucket and IAM statements together do not fit
 * an environment with operators.
 */
export function applyIamPolicyDocument(
  env: ResolvedEnvironment,
  scope: ApplyScope,
): PolicyDocument {
  return doc(...iamWriteStatements(env.aws.accountId, scope.iam));
}

/**
 * The apply role's part in key rotations (issue 26), a managed policy of its own (size limit):
 * the KMS tag and alias rules of `rotation-statements.ts`. Development declares no rotation
 * (`keys.rotate` is refused there), so it has none: undefined.
 */
export function applyRotationPolicyDocument(env: ResolvedEnvironment): PolicyDocument | undefined {
  return env.keyStore === 'kms' ? doc(...rotationStatements(env)) : undefined;
}

/** IAM size limits (characters, whitespace not counted). */
export const POLICY_SIZE_LIMITS = { managed: 6144, trust: 2048 } as const;

export function checkPolicySize(
  name: string,
  document: PolicyDocument,
  kind: keyof typeof POLICY_SIZE_LIMITS,
): PolicyDocument {
  const size = JSON.stringify(document).length;
  if (size > POLICY_SIZE_LIMITS[kind]) {
    throw new InventoryError(
      `Policy ${name} would be ${size} characters; IAM allows ${POLICY_SIZE_LIMITS[kind]} for a ${kind} policy. Split the environment or ask for a higher quota.`,
    );
  }
  return document;
}
