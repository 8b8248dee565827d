import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { registerSecret } from '../redact.js';
import type { Tags } from './iam.js';
import { awsErrorName } from '../errors.js';

/**
 * IAM access keys of the signer users live in Secrets Manager, and only there: the pair is
 * written as the secret's value and never returned, printed or put in a plan.
 */

/** `nomad/{env}/iam/{user}/access-key`: the `/access-key` leaf keeps Secrets Manager's ARN suffix unambiguous. */
export const accessKeySecretName = (env: string, user: string) =>
  `nomad/${env}/iam/${user}/access-key`;

export async function accessKeySecretExists(
  secrets: SecretsManagerClient,
  name: string,
): Promise<boolean> {
  try {
    const r = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    return r.DeletedDate === undefined;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return false;
    throw error;
  }
}

export async function storeAccessKey(
  secrets: SecretsManagerClient,
  name: string,
  key: { accessKeyId: string; secretAccessKey: string },
  tags: Tags,
): Promise<void> {
  registerSecret(key.secretAccessKey);
  const SecretString = JSON.stringify({
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
  });
  try {
    await secrets.send(
      new CreateSecretCommand({
        Name: name,
        SecretString,
        Description: 'IAM access key of a Nomad signer user (nomad-agent-ops)',
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceExistsException') throw error;
    await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
  }
}
