import { createHash } from 'node:crypto';
import path from 'node:path';
import { expect, inject } from 'vitest';
import type { Chain } from './chains.js';
import { motoCredentials, type MotoCredentials } from './moto.js';

/**
 * The one way a test reaches the emulators the integration project's global setup started
 * (test/harness/global-setup.ts): moto_server and the two local chains. Nothing here starts an
 * emulator of its own, so every test file shares one moto and one pair of chains, and the unit
 * project, which has no global setup, fails loudly when one of its files asks for them.
 *
 * moto keeps separate state per account id, and bucket names are global: `nextAccountId()`
 * hands each test file accounts no other file gets, and `bucketSuffix()` a name part to match.
 */

/** The moto_server URL from the global setup; throws why it is missing when it could not start. */
export function requireMotoUrl(): string {
  const url = inject('motoUrl');
  if (!url) throw new Error(inject('harnessErrors')?.moto ?? noSetup('moto_server'));
  return url;
}

/** The local chains from the global setup; throws why they are missing when they could not start. */
export function requireChains(): Chain[] {
  const chains = inject('chains') ?? [];
  if (chains.length === 0) {
    throw new Error(inject('harnessErrors')?.chains ?? noSetup('the local chains'));
  }
  return chains;
}

function noSetup(what: string): string {
  return (
    `${what} was not started: this test file runs in the unit project, which has no emulators. ` +
    'Rename it from *.unit.test.ts to *.test.ts (vitest.config.ts: UNIT_TESTS).'
  );
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const issued = new Map<string, number>();

/**
 * The calling test file's `n`-th moto account id (0 <= n < 1000), the same on every call and
 * every run: twelve digits, the first nine a hash of the file's path, the last three `n`. Ids of
 * different files differ without a hand-kept registry. A file uses this or nextAccountId().
 */
export function testAccountId(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 1000) {
    throw new Error(`testAccountId(n): n is an integer from 0 to 999, got ${n}`);
  }
  const hash = BigInt(`0x${createHash('sha256').update(testFile()).digest('hex').slice(0, 15)}`);
  const prefix = 100_000_000n + (hash % 900_000_000n);
  return `${prefix}${String(n).padStart(3, '0')}`;
}

/** A moto account id of the calling test file's own, new on every call: testAccountId(0), (1), … */
export function nextAccountId(): string {
  const file = testFile();
  const count = issued.get(file) ?? 0;
  issued.set(file, count + 1);
  return testAccountId(count);
}

function testFile(): string {
  const testPath = expect.getState().testPath;
  if (!testPath) throw new Error('moto account ids are handed out to test files only');
  return path.relative(ROOT, testPath).split(path.sep).join('/');
}

/**
 * A bucket-name part for `accountId` (S3 bucket names are global, in moto too): `t` and the id's
 * last nine digits, six of its file's hash and the three that count, so files do not share one.
 */
export function bucketSuffix(accountId: string): string {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`not a 12-digit account id: "${accountId}"`);
  return `t${accountId.slice(-9)}`;
}

/** A moto account of this test file's own, with what reaching it takes. */
export interface MotoAccount {
  url: string;
  accountId: string;
  /** For bucket names in this account: see bucketSuffix(). */
  bucketSuffix: string;
  credentials: MotoCredentials;
  /** The AWS variables that make the SDK (in this process or a child) act in the account. */
  env: Record<string, string>;
}

/** A fresh account on the shared moto (nextAccountId), with credentials acting in it. */
export async function motoAccount(accountId = nextAccountId()): Promise<MotoAccount> {
  const url = requireMotoUrl();
  const credentials = await motoCredentials(url, accountId);
  return {
    url,
    accountId,
    bucketSuffix: bucketSuffix(accountId),
    credentials,
    env: motoEnvFrom(url, credentials),
  };
}

/** AWS variables that make the SDK act in `accountId` on moto. */
export async function motoEnv(motoUrl: string, accountId: string): Promise<Record<string, string>> {
  return motoEnvFrom(motoUrl, await motoCredentials(motoUrl, accountId));
}

function motoEnvFrom(url: string, c: MotoCredentials): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
  };
}
