/**
 * Where each AWS client sends its requests, as the SDKs document it for environment variables
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html):
 * `AWS_ENDPOINT_URL_<SERVICE>` (the service id upper-cased, spaces as `_`: `AWS_ENDPOINT_URL_KMS`,
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`) first, then `AWS_ENDPOINT_URL` for every service, and none of
 * them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`. Resolved from the variables the
 * caller passes (the CLI's are not always the process's); with none set, the SDK's own resolution
 * (shared config file `endpoint_url`, then AWS's endpoints) applies unchanged.
 */
export const AWS_SERVICE_IDS = {
  kms: 'KMS',
  iam: 'IAM',
  s3: 'S3',
  secrets: 'Secrets Manager',
  sts: 'STS',
} as const;

export type AwsService = keyof typeof AWS_SERVICE_IDS;

export function endpointVariable(service: AwsService): string {
  return `AWS_ENDPOINT_URL_${AWS_SERVICE_IDS[service].toUpperCase().replace(/ /g, '_')}`;
}

export function endpointFromVariables(
  service: AwsService,
  vars: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if ((vars.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return undefined;
  return vars[endpointVariable(service)] || vars.AWS_ENDPOINT_URL || undefined;
}
