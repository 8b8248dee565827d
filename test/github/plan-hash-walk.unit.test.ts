import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { fundingSettingsOf } from '../../src/inventory/funding-settings.js';
import { keysFor } from '../../src/inventory/keys.js';
import { planFunding } from '../../src/plan/funding/funding.js';
import { differingParts } from '../../src/report/apply-guard.js';
import { planHash, type EnvironmentPlans } from '../../src/report/plan-hash.js';
import { production } from '../inventory/fixtures.js';
import { get, leaves, withKeyRenamed, withLeafChanged } from '../inventory/walk.js';
import { iamPlan, keysPlan } from './plans.js';

/**
 * Issue 24 item 1 for the plan: every leaf of a plan (key rows, funding settings, what the bank
 * records, IAM and bucket changes, with networks, tags and policy names that look like
 * timestamps) changed one at a time changes the plan hash, and the guard names the part that
 * differs. The only fields left out are the derived ones listed here, each shown to be derived.
 */

/** Renames ethereum, moonbeam and evmos to names the old canonical form dropped. */
function timeNamed(env: ResolvedEnvironment): ResolvedEnvironment {
  const names: Record<string, string> = { ethereum: 'time', moonbeam: 'date', evmos: 'createdAt' };
  const rename = (n: string) => names[n] ?? n;
  return {
    ...env,
    networks: env.networks.map((n) => ({
      ...n,
      name: rename(n.name),
      replicas: n.replicas.map(rename),
    })),
    keymaster: {
      ...env.keymaster,
      networks: Object.fromEntries(
        Object.entries(env.keymaster.networks).map(([k, v]) => [rename(k), v]),
      ),
    },
  };
}

function plan(): EnvironmentPlans {
  const env = timeNamed(production());
  const settings = fundingSettingsOf(env, keysFor(env));
  const funding = planFunding({
    settings,
    state: { bank: 'found', record: { sha256: 'e'.repeat(64), commit: 'f'.repeat(40) } },
  });
  const keys = {
    ...keysPlan('production', 6, { create: 2, networks: ['time', 'date', 'createdAt'] }),
    funding,
  };
  const tagged = {
    kind: 'iam-policy',
    id: 'production-keymaster',
    action: 'update' as const,
    reason: 'tags differ',
    detail: { arn: 'arn:aws:iam::1:policy/p', tags: { createdAt: 'a', time: 'b', date: 'c' } },
  };
  const bucketRow = {
    kind: 's3-bucket-cors',
    id: 'nomadxyz-production-proofs',
    action: 'update' as const,
    reason: 'rules differ',
    detail: { diff: '- "timestamp"\n+ "date"', region: 'us-west-2' },
  };
  return {
    environment: 'production',
    keys,
    iam: iamPlan(['production-updater-signer'], [tagged]),
    bucket: iamPlan([], [bucketRow]),
  };
}

/** Derived or apply-only fields: not what a merge writes or pays. */
const DERIVED = [
  /^keys\.ok$/,
  /^keys\.attestation\./,
  /^keys\.funding\.(action|baseline|changes\..*|outcome|error)$/,
  /^(iam|bucket)\.(ok|summary\..*|after\..*|keyAccess\..*)$/,
];

describe('the plan hash covers every leaf of the plan', () => {
  const base = plan();
  const hash = planHash(base);
  const all = leaves(base);

  it('changes with every leaf that is not derived, naming the part that differs', () => {
    const hashed = all.filter((l) => !DERIVED.some((r) => r.test(l.path.join('.'))));
    expect(hashed.length).toBeGreaterThan(200);
    for (const leaf of hashed) {
      const where = leaf.path.join('.');
      const changed = withLeafChanged(base, leaf.path);
      expect(planHash(changed), where).not.toBe(hash);
      const part = leaf.path[0] === 'keys' && leaf.path[1] === 'funding' ? 'funding' : leaf.path[0];
      expect(differingParts(base, changed), where).toEqual([part]);
    }
  });

  it('changes with each network, role, and tag renamed, timestamp-like names included', () => {
    const records = [
      ['keys', 'funding', 'settings', 'networks'],
      ['keys', 'funding', 'settings', 'networks', 'time', 'roles'],
      ['iam', 'changes', '1', 'detail', 'tags'],
    ];
    for (const record of records) {
      const names = Object.keys(get(base, record) as Record<string, unknown>);
      for (const name of names) {
        expect(planHash(withKeyRenamed(base, [...record, name])), name).not.toBe(hash);
      }
    }
  });

  it('leaves out only derived fields (each is one)', () => {
    const derived = all.filter((l) => DERIVED.some((r) => r.test(l.path.join('.'))));
    expect(derived.length).toBeGreaterThan(0);
    for (const leaf of derived) {
      expect(planHash(withLeafChanged(base, leaf.path)), leaf.path.join('.')).toBe(hash);
    }
  });
});
