import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * The AWS clients the toolkit uses, built once per region. Credentials and endpoints come from
 * the SDK's usual chain (env vars, OIDC web identity, profiles; `AWS_ENDPOINT_URL` points every
 * client at an emulator). Retries on throttling and transient errors are the SDK's own standard
 * retry strategy: exponential backoff with jitter. (Adaptive mode also rate-limits the client
 * after a single throttle, which slowed every later call by seconds; our own limiters already keep
 * concurrency within the KMS quotas.)
 */
export interface AwsClients {
  region: string;
  kms: KMSClient;
  iam: IAMClient;
  s3: S3Client;
  secrets: SecretsManagerClient;
  sts: STSClient;
}

export interface AwsClientOptions {
  region: string;
  /** Overrides AWS_ENDPOINT_URL (tests). */
  endpoint?: string;
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const common = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 8,
    retryMode: 'standard' as const,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return {
    region: options.region,
    kms: new KMSClient(common),
    iam: new IAMClient(common),
    // Emulators serve buckets by path, not by virtual host.
    s3: new S3Client({
      ...common,
      forcePathStyle: Boolean(options.endpoint ?? process.env.AWS_ENDPOINT_URL),
    }),
    secrets: new SecretsManagerClient(common),
    sts: new STSClient(common),
  };
}
