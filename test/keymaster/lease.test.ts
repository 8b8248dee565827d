/**
 * The bank's lease on moto's S3 (conditional writes, decided atomically by the launcher's patch
 * as real S3 decides them): one taker wins, expiry frees it, a lost lease cannot be renewed.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3StateObjects, type StateObjects } from '../../src/aws/state-objects.js';
import { createLease, leaseMove } from '../../src/keymaster/state/lease.js';
import { motoAccount } from '../harness/emulators.js';
import { MOTO_REGION } from '../harness/moto.js';

let objects: StateObjects;

beforeAll(async () => {
  const account = await motoAccount();
  const s3 = new S3Client({
    region: MOTO_REGION,
    endpoint: account.url,
    forcePathStyle: true,
    credentials: account.credentials,
  });
  const bucket = `nomadxyz-test-keymaster-${account.bucketSuffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  objects = s3StateObjects(s3, bucket);
});

describe('leaseMove (pure)', () => {
  const lease = (holder: string, expiresAt: number, released?: boolean) => ({
    holder,
    since: new Date(0).toISOString(),
    renewedAt: new Date(0).toISOString(),
    expiresAt: new Date(expiresAt).toISOString(),
    ...(released ? { released } : {}),
  });
  it('takes a free, expired or released lease; renews its own; leaves another holder alone', () => {
    expect(leaseMove(undefined, 'a', 1000)).toBe('create');
    expect(leaseMove(lease('b', 2000), 'a', 1000)).toBe('held');
    expect(leaseMove(lease('b', 1000), 'a', 1000)).toBe('take-over');
    expect(leaseMove(lease('b', 2000, true), 'a', 1000)).toBe('take-over');
    expect(leaseMove(lease('a', 2000), 'a', 1000)).toBe('renew');
  });
});

describe('the lease on S3 conditional writes', () => {
  it('of twelve takers racing for a free lease exactly one holds it; the rest name it', async () => {
    const key = 'lease/race.json';
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        createLease({
          store: objects,
          key,
          holder: `h${i}`,
          ttlMs: 60_000,
          clock: Date.now,
        }).acquire(),
      ),
    );
    const winners = attempts.filter((a) => a.held);
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as { record: { holder: string } }).record.holder;
    for (const a of attempts) {
      if (!a.held) expect(a.holder?.holder).toBe(winner);
    }
  });

  it('of twelve conditional creates of one object on moto exactly one succeeds', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => objects.putIfAbsent('ledger/once.json', `{"n":${i}}`)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('expires, is taken over, and the old holder can neither renew nor release it', async () => {
    const key = 'lease/expiry.json';
    let now = 1_000_000;
    const clock = () => now;
    const a = createLease({ store: objects, key, holder: 'a', ttlMs: 10_000, clock });
    const b = createLease({ store: objects, key, holder: 'b', ttlMs: 10_000, clock });
    expect((await a.acquire()).held).toBe(true);
    now += 5_000;
    expect(await a.renew()).toBe(true); // now expires at 1_015_000
    now += 9_000;
    expect((await b.acquire()).held).toBe(false); // renewed: still a's
    now += 2_000;
    const taken = await b.acquire();
    expect(taken.held).toBe(true);
    expect(await a.renew()).toBe(false);
    // a knows it lost it: its release writes nothing, and b still holds the lease.
    await a.release();
    expect(JSON.parse((await objects.get(key))!.body)).toMatchObject({ holder: 'b' });
    expect(
      (await createLease({ store: objects, key, holder: 'd', ttlMs: 1, clock }).acquire()).held,
    ).toBe(false);
    // b releases: free at once for the next payer.
    expect(await b.release()).toBeUndefined();
    const c = createLease({ store: objects, key, holder: 'c', ttlMs: 10_000, clock });
    expect((await c.acquire()).held).toBe(true);
  });
});
