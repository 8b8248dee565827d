import type { AgentRole, EnvironmentName, KeyName } from '../config/names.js';
import { bucketNameProblems, iamNameProblem, type IamNameKind } from '../config/resource-names.js';
import { InventoryError } from './errors.js';

/**
 * The naming scheme, in one place. Aliases follow Nomad's provisioning script so existing keys
 * are adopted; every other name is derived here and checked against the AWS rule it must meet.
 */

export const aliasFor = (env: EnvironmentName, network: string, keyName: KeyName) =>
  `alias/${env}-${network}-${keyName}`;
export const bankAlias = (env: EnvironmentName) => `alias/${env}-bank`;

export const keyDescription = (env: EnvironmentName, network: string, keyName: KeyName) =>
  `${env} ${network} ${keyName}`;
export const bankDescription = (env: EnvironmentName) => `${env} bank`;

/**
 * Development secrets: `nomad/{env}/{network}/{keyName}/key` and `nomad/{env}/bank/key`.
 * The `/key` leaf is deliberate: Secrets Manager appends `-` and six random characters to every
 * secret ARN and warns against names that already end that way, which `…/watcher-signer` would.
 */
export const secretNameFor = (env: EnvironmentName, network: string, keyName: KeyName) =>
  `nomad/${env}/${network}/${keyName}/key`;
export const bankSecretName = (env: EnvironmentName) => `nomad/${env}/bank/key`;
/** Prefix shared by every secret of an environment. */
export const secretPrefix = (env: EnvironmentName) => `nomad/${env}/`;

export const signerPolicyName = (env: EnvironmentName, role: AgentRole) => `${env}-${role}-signer`;
export const keymasterPolicyName = (env: EnvironmentName) => `${env}-keymaster`;
export const uploaderPolicyName = (env: EnvironmentName) => `${env}-proofs-uploader`;
export const adminPolicyName = () => 'kms-admin';
/** The permissions boundary every principal of an environment carries (`boundary.ts`). */
export const boundaryPolicyName = (env: EnvironmentName) => `${env}-boundary`;
export const githubRoleName = (env: EnvironmentName, kind: 'plan' | 'apply' | 'keymaster') =>
  `nomad-ops-${env}-${kind}`;
export const defaultBucketName = (env: EnvironmentName) => `nomadxyz-${env}-proofs`;
/** Every bucket of an environment (the proofs bucket, the Keymaster's state) starts so. */
export const environmentBucketPrefix = (env: EnvironmentName) => `nomadxyz-${env}-`;

export const keyArnPattern = (region: string, account: string) =>
  `arn:aws:kms:${region}:${account}:key/*`;
export const aliasArnPattern = (region: string, account: string, aliasPattern: string) =>
  `arn:aws:kms:${region}:${account}:${aliasPattern}`;
export const policyArn = (account: string, name: string) =>
  `arn:aws:iam::${account}:policy/${name}`;
export const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
export const userArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
/**
 * IAM groups cannot be tagged, so the toolkit marks its groups by path; the path is part of the
 * group ARN that policies name.
 */
export const MANAGED_GROUP_PATH = '/nomad-agent-ops/';
export const groupArn = (account: string, name: string) =>
  `arn:aws:iam::${account}:group${MANAGED_GROUP_PATH}${name}`;
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
/** ARN pattern of a secret: the name, then `-` and the six characters Secrets Manager appends. */
export const secretArnPattern = (region: string, account: string, secretName: string) =>
  `arn:aws:secretsmanager:${region}:${account}:secret:${secretName}-??????`;

// ---- rules -------------------------------------------------------------------------------

/** KMS: `alias/` then `[a-zA-Z0-9/_-]`, at most 256 characters, never `alias/aws/`. */
export function checkKmsAlias(alias: string): string {
  const problem = !alias.startsWith('alias/')
    ? 'must start with "alias/"'
    : alias.startsWith('alias/aws/')
      ? 'must not start with "alias/aws/" (reserved for AWS managed keys)'
      : alias.length > 256
        ? `is ${alias.length} characters; KMS allows at most 256`
        : !/^alias\/[a-zA-Z0-9/_-]+$/.test(alias)
          ? 'may only contain letters, digits, "/", "_" and "-" after "alias/"'
          : undefined;
  if (problem) {
    throw new InventoryError(
      `KMS alias "${alias}" ${problem}. Rename the network or key name in the environment file.`,
    );
  }
  return alias;
}

/** IAM user, group, role and policy names: `[A-Za-z0-9+=,.@_-]`, 64 or 128 characters at most. */
export function checkIamName(kind: IamNameKind, name: string): string {
  const problem = iamNameProblem(kind, name);
  if (problem) throw new InventoryError(`${problem}. Fix it in the environment file.`);
  return name;
}

/** S3 general purpose bucket naming rules. */
export function checkBucketName(name: string): string {
  const problems = bucketNameProblems(name);
  if (problems.length > 0) {
    throw new InventoryError(
      `S3 bucket name "${name}" ${problems.join('; ')}. Set proofsBucket.name in the environment file.`,
    );
  }
  return name;
}

/** Secrets Manager: `[A-Za-z0-9/_+=.@-]`, at most 512, and not ending like an ARN suffix. */
export function checkSecretName(name: string): string {
  if (name.length === 0 || name.length > 512 || !/^[A-Za-z0-9/_+=.@-]+$/.test(name)) {
    throw new InventoryError(
      `Secrets Manager name "${name}" must be 1 to 512 of letters, digits and / _ + = . @ -.`,
    );
  }
  if (/-[A-Za-z0-9]{6}$/.test(name)) {
    throw new InventoryError(
      `Secrets Manager name "${name}" ends with "-" and six characters, which Secrets Manager confuses with its ARN suffix.`,
    );
  }
  return name;
}

/** Tags valid for every service the toolkit tags (IAM's rule is the strictest). */
export function checkTags(owner: string, tags: Record<string, string>): Record<string, string> {
  const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128 || !allowed.test(key) || key.startsWith('aws:')) {
      throw new InventoryError(`Tag key "${key}" on ${owner} is not a valid AWS tag key.`);
    }
    if (value.length > 256 || !allowed.test(value)) {
      throw new InventoryError(`Tag "${key}" on ${owner} has an invalid value "${value}".`);
    }
  }
  if (Object.keys(tags).length > 50) {
    throw new InventoryError(`${owner} would carry more than 50 tags.`);
  }
  return tags;
}
