import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { inventoryFor, inventoryJson } from '../../src/inventory/inventory.js';
import { toJsonValue } from '../../src/inventory/json.js';
import { production, staging } from './fixtures.js';

describe('inventoryFor', () => {
  it('bundles keys, IAM, bucket and funding of one environment', () => {
    const inv = inventoryFor(staging());
    expect(inv).toMatchObject({
      environment: 'staging',
      accountId: '210987654321',
      region: 'us-west-2',
      keyStore: 'kms',
    });
    expect(inv.keys.length).toBeGreaterThan(0);
    expect(inv.funding.length).toBeGreaterThan(0);
    expect(inv.unfunded).toEqual([]);
    expect(inv.bucket.name).toBe('nomadxyz-staging-proofs');
    expect(inv.iam.github?.repository).toBe('nomad-xyz/nomad-agent-ops');
  });

  it('passes the repository fallback through', () => {
    const env = staging();
    env.github = {};
    expect(inventoryFor(env, { repository: 'o/r' }).iam.github?.repository).toBe('o/r');
    expect(inventoryFor(env).iam.githubOmitted).toBeDefined();
  });
});

describe('inventoryJson', () => {
  it('renders wei as exact decimal strings and is identical for identical input', () => {
    const text = inventoryJson(inventoryFor(production()));
    expect(text).toBe(inventoryJson(inventoryFor(production())));
    const parsed = JSON.parse(text) as {
      funding: Array<{ alias?: string; network: string; lower: string; target: string }>;
    };
    const row = parsed.funding.find(
      (r) =>
        r.alias === 'alias/production-ethereum-processor-signer' && r.network === 'milkomedaC1',
    );
    expect(row?.lower).toBe('50000000000000000000');
    expect(row?.target).toBe('200000000000000000000');
  });

  it('drops undefined fields and refuses values JSON cannot hold', () => {
    expect(toJsonValue({ a: undefined, b: 2n ** 70n, c: [1, undefined] })).toEqual({
      b: '1180591620717411303424',
      c: [1, null],
    });
    expect(toJsonValue({ at: new Date(0) })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(() => toJsonValue({ x: Number.NaN })).toThrow(InputError);
    expect(() => toJsonValue({ f: () => 1 })).toThrow(InputError);
  });
});
