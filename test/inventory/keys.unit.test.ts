import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../src/inventory/errors.js';
import { keysFor } from '../../src/inventory/keys.js';
import { MANAGED_BY_TAG, TAG_KEYS } from '../../src/inventory/tags.js';
import { allFixtures, development, production, staging } from './fixtures.js';

describe('keysFor', () => {
  it('gives one key per (network, key name) plus the bank, each alias once', () => {
    for (const env of allFixtures()) {
      const keys = keysFor(env);
      expect(keys).toHaveLength(env.networks.length * env.keyNames.length + 1);
      expect(new Set(keys.map((k) => k.alias)).size).toBe(keys.length);
      expect(keys.filter((k) => k.purpose === 'bank')).toHaveLength(1);
    }
  });

  it("uses Nomad's alias and description scheme (DESIGN §3 example)", () => {
    const key = keysFor(staging()).find((k) => k.alias === 'alias/staging-kovan-processor-signer');
    expect(key).toMatchObject({
      environment: 'staging',
      network: 'kovan',
      keyName: 'processor-signer',
      role: 'processor',
      purpose: 'signer',
      description: 'staging kovan processor-signer',
    });
    expect(key?.secretName).toBeUndefined();
    const bank = keysFor(production()).at(-1);
    expect(bank).toMatchObject({
      alias: 'alias/production-bank',
      description: 'production bank',
      purpose: 'bank',
    });
    expect(bank?.network).toBeUndefined();
    expect(bank?.role).toBeUndefined();
  });

  it('classifies attestation keys and leaves kathy out of production', () => {
    const prod = keysFor(production());
    expect(prod.some((k) => k.role === 'kathy')).toBe(false);
    const attest = prod.filter((k) => k.purpose === 'attestation');
    expect(new Set(attest.map((k) => k.role))).toEqual(new Set(['updater', 'watcher']));
    expect(keysFor(staging()).some((k) => k.keyName === 'kathy-signer')).toBe(true);
  });

  it('tags every key with environment, network, key name, intended alias and managed-by', () => {
    for (const key of keysFor(staging())) {
      expect(key.tags[MANAGED_BY_TAG]).toBe('nomad-agent-ops');
      expect(key.tags[TAG_KEYS.environment]).toBe('staging');
      expect(key.tags[TAG_KEYS.alias]).toBe(key.alias);
      expect(key.tags[TAG_KEYS.purpose]).toBe(key.purpose);
      if (key.purpose !== 'bank') {
        expect(key.tags[TAG_KEYS.network]).toBe(key.network);
        expect(key.tags[TAG_KEYS.keyName]).toBe(key.keyName);
      }
    }
  });

  it('gives development keys unique secret names that never end like a Secrets Manager ARN suffix', () => {
    const keys = keysFor(development());
    const names = keys.map((k) => k.secretName);
    expect(names.every((n) => typeof n === 'string')).toBe(true);
    expect(new Set(names).size).toBe(keys.length);
    expect(names).toContain('nomad/development/kovan/watcher-signer/key');
    expect(names).toContain('nomad/development/bank/key');
    for (const name of names) expect(name).not.toMatch(/-[A-Za-z0-9]{6}$/);
  });

  it('refuses an alias KMS would reject, naming the alias', () => {
    const env = staging();
    env.networks[0]!.name = 'kovan.eth';
    expect(() => keysFor(env)).toThrow(InventoryError);
    expect(() => keysFor(env)).toThrow(/alias\/staging-kovan\.eth-watcher-signer/);
    const long = staging();
    long.networks[0]!.name = 'n'.repeat(240);
    expect(() => keysFor(long)).toThrow(/at most 256/);
  });
});
