import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentText } from '../../src/config/load.js';
import { fundingFor } from '../../src/inventory/funding.js';
import { iamFor } from '../../src/inventory/iam.js';
import { keysFor } from '../../src/inventory/keys.js';

/**
 * Removing a network from a file removes its Keymaster settings, its agents' keys and the
 * operators' grants in the same change (issue 26 item 4): a half-removed network is refused.
 */
const FILE = new URL('../../environments/staging.yaml', import.meta.url).pathname;
const text = readFileSync(FILE, 'utf8');
const withoutNetwork = text.replace(/ {2}- name: chiado\n( {4}.*\n){3}/, '');

describe('decommissioning chiado from staging', () => {
  it('refuses a file that drops the network but keeps its Keymaster settings or grants', () => {
    const loaded = loadEnvironmentText(withoutNetwork, FILE);
    expect(loaded.ok).toBe(false);
    const paths = loaded.ok ? [] : loaded.problems.map((p) => p.path);
    expect(paths).toContain('keymaster.networks.chiado');
    expect(paths.some((p) => p.startsWith('operators['))).toBe(true);
  });

  it('the complete removal drops its keys, funding and operator grants', () => {
    const complete = withoutNetwork
      .replace('    chiado: *testnet\n', '')
      .replace('homes: [chiado, sepolia]', 'homes: [sepolia]');
    const before = loadEnvironmentText(text, FILE);
    const after = loadEnvironmentText(complete, FILE);
    if (!before.ok || !after.ok) {
      throw new Error('the staging file does not load');
    }
    const mentions = (value: unknown) =>
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes(
        'chiado',
      );
    expect(mentions(keysFor(before.env))).toBe(true);
    expect(mentions(keysFor(after.env))).toBe(false);
    expect(mentions(fundingFor(after.env, keysFor(after.env)))).toBe(false);
    const grants = (env: typeof after.env) =>
      iamFor(env).policies.filter((p) => p.name.includes('operator'));
    expect(mentions(grants(before.env))).toBe(true);
    expect(mentions(grants(after.env))).toBe(false);
  });
});
