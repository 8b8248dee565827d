import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, repoRoot } from './helpers.js';

/**
 * A file that names another environment's resources is bad input (exit 2), refused before any
 * AWS call (issue 13): the AWS endpoint here is a closed port, so any call would fail otherwise.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'nomad-ops-ownership-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a staging file naming production's resources", () => {
  it('is exit 2 with file:line:col, naming the owner, for every AWS command', async () => {
    const staging = readFileSync(path.join(repoRoot, 'environments/staging.yaml'), 'utf8');
    const file = path.join(dir, 'staging.yaml');
    writeFileSync(
      file,
      staging.replace('signerGroup: staging-signer', 'signerGroup: production-signer'),
    );
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_MAX_ATTEMPTS: '1',
    };
    for (const args of [
      ['validate', file],
      ['iam', 'plan', '--env', file],
      ['iam', 'apply', '--env', file, '--prune'],
      ['bucket', 'apply', '--env', file],
      ['keys', 'apply', '--env', file],
    ]) {
      const run = await cli(args, { env });
      expect(run.code, args.join(' ')).toBe(2);
      expect(`${run.stdout}${run.stderr}`).toMatch(
        /staging\.yaml:\d+:\d+: iam\.signerGroup: "production-signer" is production's IAM group/,
      );
    }
  }, 60_000);
});
