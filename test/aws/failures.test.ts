import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { endpointFromVariables, endpointVariable } from '../../src/aws/endpoints.js';
import { classifyFailure } from '../../src/aws/failures.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../harness/fault-proxy.js';
import { motoCredentials } from '../harness/moto.js';
import { motoForTest } from '../keys/helpers.js';
import { nextAccountId } from '../harness/emulators.js';

/**
 * Endpoints per service as the SDKs document them, and giving up that says what failed: service,
 * operation, resource, attempts, what to do; a 503 text page retried like any 5xx.
 */

let moto: { url: string };
const proxies: FaultProxy[] = [];
const region = 'us-west-2';

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
});

async function through(rules: FaultRule[], maxAttempts = 3) {
  const proxy = await startFaultProxy({ target: moto.url, rules });
  proxies.push(proxy);
  const credentials = await motoCredentials(moto.url, nextAccountId());
  const clients = createAwsClients({ region, endpoint: proxy.url, credentials, maxAttempts });
  return { proxy, clients };
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('endpoints', () => {
  it('AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL; the ignore switch drops both', () => {
    expect(endpointVariable('secrets')).toBe('AWS_ENDPOINT_URL_SECRETS_MANAGER');
    const vars = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:2',
    };
    expect(endpointFromVariables('kms', vars)).toBe('http://127.0.0.1:2');
    expect(endpointFromVariables('sts', vars)).toBe('http://127.0.0.1:1');
    expect(endpointFromVariables('sts', {})).toBeUndefined();
    expect(
      endpointFromVariables('kms', { ...vars, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toBeUndefined();
  });

  it('clients reach KMS by AWS_ENDPOINT_URL_KMS and the others by AWS_ENDPOINT_URL', async () => {
    const credentials = await motoCredentials(moto.url, nextAccountId());
    const refused = `http://127.0.0.1:${await closedPort()}`;
    const clients = createAwsClients({
      region,
      credentials,
      maxAttempts: 1,
      vars: { AWS_ENDPOINT_URL: refused, AWS_ENDPOINT_URL_KMS: moto.url },
    });
    await expect(clients.kms.send(new ListKeysCommand({}))).resolves.toBeDefined();
    await expect(clients.kmsSingleAttempt.send(new ListKeysCommand({}))).resolves.toBeDefined();
    const failure = await clients.sts
      .send(new GetCallerIdentityCommand({}))
      .catch((e: unknown) => e);
    expect(classifyFailure(failure)).toBe('ambiguous');
    expect((failure as Error).message).toMatch(/^STS GetCallerIdentity failed after 1 attempt: /);
  });
});

describe('giving up', () => {
  it('a 503 text page from KMS is retried like any 5xx', async () => {
    const { proxy, clients } = await through([
      { operation: 'DescribeKey', calls: [1], fault: 'text-503' },
    ]);
    const answer = await clients.kms
      .send(new DescribeKeyCommand({ KeyId: 'alias/none' }))
      .catch((e: unknown) => e);
    // The retry reached moto, which answers that the alias does not exist.
    expect(proxy.counts().DescribeKey).toBe(2);
    expect((answer as Error).name).toBe('NotFoundException');
  });

  it('names service, operation, resource and attempts when KMS keeps answering a text 503', async () => {
    const { proxy, clients } = await through([{ operation: 'DescribeKey', fault: 'text-503' }]);
    const error = (await clients.kms
      .send(new DescribeKeyCommand({ KeyId: 'alias/staging-bank' }))
      .catch((e: unknown) => e)) as Error;
    expect(proxy.counts().DescribeKey).toBe(3);
    expect(error.name).toBe('ServiceUnavailable');
    expect(error.message).toContain(
      'KMS DescribeKey (KeyId alias/staging-bank) failed after 3 attempts: ServiceUnavailable (HTTP 503)',
    );
    expect(error.message).toContain('run again');
  });

  it('names IAM, STS and S3 calls throttled on every attempt', async () => {
    const { clients } = await through([
      { operation: 'GetUser', fault: 'throttle' },
      { operation: 'GetCallerIdentity', fault: 'throttle' },
      { operation: 'HEAD /nomadxyz-staging-proofs/', fault: 'throttle' },
    ]);
    const iam = (await clients.iam
      .send(new GetUserCommand({ UserName: 'kms-admin' }))
      .catch((e: unknown) => e)) as Error;
    expect(iam.name).toBe('Throttling');
    expect(iam.message).toMatch(
      /^IAM GetUser \(UserName kms-admin\) failed after 3 attempts: Throttling \(HTTP 400\): Rate exceeded; AWS kept throttling/,
    );
    const sts = (await clients.sts
      .send(new GetCallerIdentityCommand({}))
      .catch((e: unknown) => e)) as Error;
    expect(sts.message).toMatch(/^STS GetCallerIdentity failed after 3 attempts: Throttling/);
    const s3 = (await clients.s3
      .send(new HeadBucketCommand({ Bucket: 'nomadxyz-staging-proofs' }))
      .catch((e: unknown) => e)) as Error;
    expect(s3.message).toMatch(
      /^S3 HeadBucket \(Bucket nomadxyz-staging-proofs\) failed after 3 attempts: .*\(HTTP 503\)/,
    );
    expect(classifyFailure(s3)).not.toBe('rejected');
  });
});
