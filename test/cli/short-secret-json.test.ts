import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { clearSecrets } from '../../src/redact.js';
import { iamPlanJsonSchema, keysPlanJsonSchema } from '../../src/report/plan-json.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { cli } from './helpers.js';

/**
 * Issue 28 item 4: with a four-character AWS secret (emulators' `test`), every `--json` command
 * prints JSON that parses, against its schema where it has one, with every key and name intact
 * (`attestation`, `alias/…-watcher-attestation`): redaction never rewrites data. moto does not
 * check signatures, so the STS session of the test's account still acts with the short secret.
 */

const SECRET = 'test';
let env: Record<string, string>;
let cwd: string;

beforeAll(async () => {
  const accountId = nextAccountId();
  cwd = workspaceWithAccounts({ staging: accountId }, { bucketSuffix: bucketSuffix(accountId) });
  env = { ...(await motoEnv(requireMotoUrl(), accountId)), AWS_SECRET_ACCESS_KEY: SECRET };
});
afterAll(() => clearSecrets());

const COMMANDS: Array<[string[], z.ZodType | undefined]> = [
  [['validate', 'environments/staging.yaml', '--json'], undefined],
  [['plan', '--env', 'staging', '--offline', '--json'], undefined],
  [['operators', '--env', 'staging', '--offline', '--json'], undefined],
  [['keys', 'apply', '--env', 'staging', '--json'], keysPlanJsonSchema],
  [['keys', 'plan', '--env', 'staging', '--json'], keysPlanJsonSchema],
  [['attestations', '--env', 'staging', '--json'], undefined],
  [['iam', 'plan', '--env', 'staging', '--json'], iamPlanJsonSchema],
  [['bucket', 'apply', '--env', 'staging', '--json'], iamPlanJsonSchema],
  [['bucket', 'plan', '--env', 'staging', '--json'], iamPlanJsonSchema],
];

describe('--json with a four-character AWS secret', () => {
  it.each(COMMANDS)(
    '%j parses, keys and names intact',
    async (args, schema) => {
      const run = await cli(args, { cwd, env });
      expect(run.code, run.stderr).toBe(0);
      const parsed: unknown = JSON.parse(run.stdout);
      if (schema) expect(() => schema.parse(parsed)).not.toThrow();
      // The short secret is never used for substring replacement: no name loses its letters.
      expect(run.stdout).not.toMatch(/at\*\*\*ation|\*\*\*s\b/);
      if (args[0] === 'keys' || args[0] === 'plan') {
        expect(run.stdout).toContain('attestation');
      }
      if (args[0] === 'keys') {
        const keys = keysPlanJsonSchema.parse(parsed);
        expect(keys.attestation.length).toBeGreaterThan(0);
        expect(keys.keys.map((k) => k.alias)).toContain('alias/staging-kovan-watcher-attestation');
      }
    },
    120_000,
  );
});
