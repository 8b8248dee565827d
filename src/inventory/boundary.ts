import type { ResolvedEnvironment } from '../config/model.js';
import { ENVIRONMENT_NAMES } from '../config/names.js';
import {
  bankAlias,
  bankSecretName,
  bucketArn,
  environmentBucketPrefix,
  githubRoleName,
  keyArnPattern,
  roleArn,
  secretPrefix,
} from './names.js';
import { stateBucketName } from './keymaster-state.js';
import { environmentAliasPattern } from './patterns.js';
import { boundaryBankRotationStatements } from './bank-rotation-statements.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/** All a principal of an environment may do with a key: use it and read what decides trust. */
const KEY_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetPublicKey',
  'kms:ListGrants',
  'kms:ListResourceTags',
  'kms:Sign',
];

/**
 * The permissions boundary of an environment (DESIGN §8, issue 24 item 8): a managed policy
 * `{env}-boundary` that every principal the toolkit creates for the environment carries (signer
 * users, operator users and roles, the Keymaster role). IAM grants a request only when both the
 * principal's policies and its boundary allow it, so whatever the apply role writes into a policy
 * of the environment (it can rewrite `policy/{env}-*`, and IAM cannot look at the document), the
 * principal stays capped at:
 *
 * - use and reads of the environment's own keys (`kms:ResourceAliases` like `alias/{env}-*`),
 *   never a key another environment's bank alias is on, and the environment's bank only for the
 *   Keymaster role;
 * - the environment's secrets (`nomad/{env}/…`; development's bank secret only for the Keymaster);
 * - the environment's buckets (`nomadxyz-{env}-*`: the proofs bucket, the Keymaster's state) and
 *   the proofs bucket the file names, objects read and written, never their configuration.
 *
 * A bootstrap resource: only the administrator writes it, and the apply roles may create or change
 * principals only with it attached, never remove or replace it (`iamWriteStatements`).
 */
export function boundaryPolicyDocument(
  env: ResolvedEnvironment,
  proofsBucket: string,
): PolicyDocument {
  const { region, accountId } = env.aws;
  const keys = keyArnPattern(region, accountId);
  const secrets = `arn:aws:secretsmanager:${region}:${accountId}:secret:${secretPrefix(env.name)}*`;
  const prefix = environmentBucketPrefix(env.name);
  // A custom proofs bucket name gives a state bucket outside the prefix too (`acme-keymaster`).
  const named = [proofsBucket, stateBucketName(env)].filter((name) => !name.startsWith(prefix));
  const buckets = [bucketArn(`${prefix}*`), ...named.map(bucketArn)];
  const keymaster = roleArn(accountId, githubRoleName(env.name, 'keymaster'));
  const otherBanks = ENVIRONMENT_NAMES.filter((e) => e !== env.name).map(bankAlias);
  const statements: PolicyStatement[] = [
    {
      Sid: 'EnvironmentKeys',
      Effect: 'Allow',
      Action: KEY_ACTIONS,
      Resource: keys,
      Condition: {
        'ForAnyValue:StringLike': { 'kms:ResourceAliases': environmentAliasPattern(env) },
      },
    },
    {
      Sid: 'EnvironmentSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: secrets,
    },
    {
      Sid: 'EnvironmentBuckets',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:ListBucketVersions'],
      Resource: buckets,
    },
    {
      Sid: 'EnvironmentObjects',
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      Resource: buckets.map((b) => `${b}/*`),
    },
    { Sid: 'WhoAmI', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
    {
      // A key carrying another environment's bank alias is out of reach, whatever else it carries.
      Sid: 'NoOtherBank',
      Effect: 'Deny',
      Action: KEY_ACTIONS,
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': otherBanks } },
    },
    {
      // The bank pays: only the Keymaster signs with it, whatever an agent's policy says.
      Sid: 'BankOnlyForKeymaster',
      Effect: 'Deny',
      Action: 'kms:Sign',
      Resource: '*',
      Condition: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': bankAlias(env.name) },
        ArnNotEquals: { 'aws:PrincipalArn': keymaster },
      },
    },
  ];
  if (env.keyStore === 'kms') statements.push(...boundaryBankRotationStatements(env));
  if (env.keyStore !== 'kms') {
    statements.push({
      Sid: 'BankSecretOnlyForKeymaster',
      Effect: 'Deny',
      Action: 'secretsmanager:GetSecretValue',
      Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:${bankSecretName(env.name)}*`,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': keymaster } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
