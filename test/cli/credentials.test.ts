import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliProcess } from './helpers.js';

/**
 * Missing or expired AWS credentials: one line naming where the SDK looked and how to check,
 * exit 2. A local server stands where STS would be (nothing leaves 127.0.0.1).
 */

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      const json = String(req.headers['content-type']).includes('json');
      res.statusCode = 403;
      res.setHeader('x-amzn-query-error', 'ExpiredToken;Sender');
      if (json) {
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.sts#ExpiredTokenException',
            message: 'The security token included in the request is expired',
          }),
        );
      } else {
        res.setHeader('content-type', 'text/xml');
        res.end(
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
            '<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>' +
            '</Error><RequestId>r</RequestId></ErrorResponse>',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('AWS credentials', () => {
  it('expired credentials: one line naming the variables and the check, exit 2', async () => {
    const run = await cli(['keys', 'plan', '--env', 'staging'], {
      env: {
        AWS_ACCESS_KEY_ID: 'AKIAEXPIREDEXAMPLE01',
        AWS_SECRET_ACCESS_KEY: 'secret-never-printed',
        AWS_SESSION_TOKEN: 'token-never-printed',
        AWS_ENDPOINT_URL: endpoint,
      },
    });
    expect(requests).toBeGreaterThan(0);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/expired or invalid/);
    expect(lines[0]).toContain('AWS_ACCESS_KEY_ID');
    expect(lines[0]).toContain('aws sts get-caller-identity');
    expect(run.stderr).not.toContain('secret-never-printed');
  });

  it('--json gives the same as an input error document', async () => {
    const run = await cli(['keys', 'plan', '--env', 'staging', '--json'], {
      env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_ENDPOINT_URL: endpoint },
    });
    expect(run.code).toBe(2);
    const doc = JSON.parse(run.stdout) as { error: { kind: string; message: string } };
    expect(doc.error.kind).toBe('input');
    expect(doc.error.message).toContain('aws sts get-caller-identity');
  });

  it('no credentials anywhere: names the profile it looked for, exit 2, no request sent', () => {
    const before = requests;
    const missing = path.join(import.meta.dirname, 'no-such-aws-dir');
    const run = cliProcess(['keys', 'plan', '--env', 'staging'], {
      env: {
        AWS_PROFILE: 'nomad-ops-test-nobody',
        AWS_CONFIG_FILE: path.join(missing, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(missing, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: endpoint,
      },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: no AWS credentials found in the profile "nomad-ops-test-nobody"/,
    );
    expect(lines[0]).toContain('aws sts get-caller-identity');
    expect(requests).toBe(before);
  });
});
