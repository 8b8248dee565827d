import { describe, expect, it } from 'vitest';
import {
  assertKeyGrantsExclusive,
  keyGrantsFor,
  keyGrantViolations,
  matchesStringLike,
  signerAliasPattern,
} from '../../src/inventory/patterns.js';
import { InventoryError } from '../../src/inventory/errors.js';
import { keysFor } from '../../src/inventory/keys.js';
import { allFixtures, staging } from './fixtures.js';

describe('matchesStringLike', () => {
  it('treats * as any run (hyphens and slashes too), ? as one character, the rest literally', () => {
    expect(
      matchesStringLike('alias/staging-*-processor-*', 'alias/staging-kovan-processor-signer'),
    ).toBe(true);
    expect(matchesStringLike('alias/a*', 'alias/a')).toBe(true);
    expect(matchesStringLike('a?c', 'abc')).toBe(true);
    expect(matchesStringLike('a?c', 'ac')).toBe(false);
    expect(matchesStringLike('a.c', 'abc')).toBe(false);
    expect(matchesStringLike('Alias/*', 'alias/x')).toBe(false);
    expect(matchesStringLike('secret:x/*/k-??????', 'secret:x/a/b/k-Ab3dE6')).toBe(true);
  });
});

describe('key grants', () => {
  it("Nomad's documented pattern alias/staging-processor* reaches none of the scheme's aliases", () => {
    const aliases = allFixtures().flatMap((env) => keysFor(env).map((k) => k.alias));
    const processorAliases = aliases.filter(
      (a) => a.startsWith('alias/staging-') && a.includes('-processor-'),
    );
    expect(processorAliases.length).toBeGreaterThan(0);
    expect(aliases.filter((a) => matchesStringLike('alias/staging-processor*', a))).toEqual([]);
    expect(
      processorAliases.every((a) =>
        matchesStringLike(signerAliasPattern(staging(), 'processor'), a),
      ),
    ).toBe(true);
  });

  it('are exclusive across the three environments', () => {
    expect(() => assertKeyGrantsExclusive(allFixtures())).not.toThrow();
  });

  it('each signer grant reaches exactly its own role keys (counted independently)', () => {
    const envs = allFixtures().filter((e) => e.keyStore === 'kms');
    const aliases = envs.flatMap((env) => keysFor(env));
    for (const env of envs) {
      for (const grant of keyGrantsFor(env, keysFor(env)).filter((g) => g.role)) {
        const reached = aliases.filter((k) =>
          grant.patterns.some((p) => matchesStringLike(p, k.alias)),
        );
        const keyNamesOfRole = env.keyNames.filter((n) => n.startsWith(`${grant.role}-`)).length;
        expect(reached).toHaveLength(env.networks.length * keyNamesOfRole);
        expect(reached.every((k) => k.environment === env.name && k.role === grant.role)).toBe(
          true,
        );
      }
    }
  });

  it('accept networks named like roles when names have no "-" (xupdater, watcher)', () => {
    const env = staging();
    env.networks[0]!.name = 'xupdater';
    env.networks[1]!.name = 'watcher';
    expect(() => assertKeyGrantsExclusive([env, ...allFixtures()])).not.toThrow();
  });

  it('refuse a network name with "-" that makes one role pattern reach another role', () => {
    // The schema forbids "-" in network names; this is the guard behind it.
    const env = staging();
    env.networks[0]!.name = 'kovan-updater';
    // alias/staging-kovan-updater-watcher-signer is reached by alias/staging-*-updater-*
    expect(() => assertKeyGrantsExclusive([env])).toThrow(InventoryError);
    expect(() => assertKeyGrantsExclusive([env])).toThrow(
      /staging-updater-signer: alias\/staging-\*-updater-\* also reaches alias\/staging-kovan-updater-watcher-signer/,
    );
  });

  it('report a widened pattern as reaching foreign keys, and a narrowed one as missing its own', () => {
    const envs = allFixtures();
    const universe = envs.map((env) => ({ env, keys: keysFor(env) }));
    const prod = envs[2]!;
    const grants = keyGrantsFor(prod, keysFor(prod));
    const watcher = grants.find((g) => g.role === 'watcher')!;
    const wide = keyGrantViolations([{ ...watcher, patterns: ['alias/*-watcher-*'] }], universe);
    expect(wide.some((v) => v.includes('also reaches alias/staging-kovan-watcher-signer'))).toBe(
      true,
    );
    const narrow = keyGrantViolations(
      [{ ...watcher, patterns: ['alias/production-ethereum-watcher-*'] }],
      universe,
    );
    expect(
      narrow.some((v) => v.includes('misses alias/production-moonbeam-watcher-attestation')),
    ).toBe(true);
    expect(keyGrantViolations(grants, universe)).toEqual([]);
  });
});
