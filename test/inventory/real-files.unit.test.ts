import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { assertKeyGrantsExclusive } from '../../src/inventory/patterns.js';
import { inventoryFor, inventoryJson } from '../../src/inventory/inventory.js';
import { allFixtures } from './fixtures.js';

const environmentsDir = fileURLToPath(new URL('../../environments/', import.meta.url));

function load(name: string): ResolvedEnvironment {
  const result = loadEnvironmentFile(`${environmentsDir}${name}.yaml`);
  if (!result.ok)
    throw new Error(`environments/${name}.yaml does not load: ${JSON.stringify(result.problems)}`);
  return result.env;
}

describe('the shipped environment files', () => {
  const real = ['development', 'staging', 'production'].map(load);

  it('give the same inventory as the fixtures that mirror them', () => {
    for (const [i, fixture] of allFixtures().entries()) {
      // The fixtures leave operators out (test/inventory/operators*.test.ts cover them).
      const { operators: _operators, coreTeam: _coreTeam, ...file } = real[i]!;
      expect(inventoryJson(inventoryFor(file))).toBe(inventoryJson(inventoryFor(fixture)));
    }
  });

  it('staging ships example operators that every agent is left to, or the core team', () => {
    const staging = real[1]!;
    expect(staging.operators?.map((o) => o.access.kind)).toEqual(['role', 'user']);
    expect(real[0]!.operators).toBeUndefined();
    expect(real[2]!.operators).toBeUndefined();
  });

  it('have exclusive key grants across all three environments', () => {
    expect(() => assertKeyGrantsExclusive(real)).not.toThrow();
  });

  it('leave no agent wallet without a threshold', () => {
    for (const env of real) expect(inventoryFor(env).unfunded).toEqual([]);
  });
});
