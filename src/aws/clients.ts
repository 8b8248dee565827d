import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { endpointFromVariables, type AwsService } from './endpoints.js';
import { KMS_SOCKETS } from './kms-types.js';
import { withFailureHandling } from './failures.js';

/**
 * The AWS clients the toolkit uses, built once per region. Credentials come from the SDK's usual
 * chain (env vars, OIDC web identity, profiles); endpoints from `AWS_ENDPOINT_URL_<SERVICE>` then
 * `AWS_ENDPOINT_URL` (see endpoints.ts). Retries on throttling and transient errors are the SDK's
 * own standard retry strategy: exponential backoff with jitter. (Adaptive mode also rate-limits the
 * client after a single throttle, which slowed every later call by seconds; our own limiters
 * already keep concurrency within the KMS quotas.)
 *
 * `kmsSingleAttempt` sends each request once: for KMS calls that are not idempotent (CreateKey),
 * where a blind retry after a lost answer makes a second key. Its callers resolve an ambiguous
 * failure themselves (src/plan/keys/kms-apply.ts).
 */
export interface AwsClients {
  region: string;
  kms: KMSClient;
  kmsSingleAttempt: KMSClient;
  iam: IAMClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
  sts: STSClient;
}

export interface AwsClientOptions {
  region: string;
  /** One endpoint for every service; overrides the variables (tests). */
  endpoint?: string;
  /** Variables holding `AWS_ENDPOINT_URL[_<SERVICE>]`; default the process's. */
  vars?: Readonly<Record<string, string | undefined>>;
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const kmsSockets = {
  httpAgent: { maxSockets: KMS_SOCKETS },
  httpsAgent: { maxSockets: KMS_SOCKETS },
};

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const vars = options.vars ?? process.env;
  const endpointOf = (service: AwsService) =>
    options.endpoint ?? endpointFromVariables(service, vars);
  const common = (service: AwsService) => {
    const endpoint = endpointOf(service);
    return {
      region: options.region,
      maxAttempts: options.maxAttempts ?? 8,
      retryMode: 'standard' as const,
      ...(endpoint ? { endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
  };
  return {
    region: options.region,
    kms: withFailureHandling(
      new KMSClient({ ...common('kms'), requestHandler: kmsSockets }),
      'KMS',
    ),
    kmsSingleAttempt: withFailureHandling(
      new KMSClient({ ...common('kms'), maxAttempts: 1 }),
      'KMS',
    ),
    iam: withFailureHandling(new IAMClient(common('iam')), 'IAM'),
    // Emulators serve buckets by path, not by virtual host.
    s3: withFailureHandling(
      new S3Client({ ...common('s3'), forcePathStyle: Boolean(endpointOf('s3')) }),
      'S3',
    ),
    secrets: withFailureHandling(new SecretsManagerClient(common('secrets')), 'Secrets Manager'),
    sts: withFailureHandling(new STSClient(common('sts')), 'STS'),
  };
}
