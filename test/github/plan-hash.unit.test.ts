import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideApply } from '../../src/report/apply-guard.js';
import { parsePlanInput, planHash, planWrites } from '../../src/report/plan-hash.js';
import { canonicalJson, shortHash } from '../../src/inventory/canonical.js';
import type { KeysJson } from '../../src/report/keys.js';
import { iamPlan, keysPlan } from './plans.js';

const reversedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
};

describe('canonicalJson', () => {
  it('orders keys, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: undefined, c: 2 }], n: 5n })).toBe(
      '{"a":[3,{"c":2}],"b":1,"n":"5"}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('keeps every key whatever its name; drops only the exact paths it is given', () => {
    const doc = {
      generatedAt: 1,
      networks: { time: { chainId: 8453 }, date: 1, createdAt: 2, timestamp: 3 },
      tags: { startedAt: 'x', updatedAt: 'y', finishedAt: 'z' },
    };
    expect(canonicalJson(doc)).toBe(
      '{"generatedAt":1,"networks":{"createdAt":2,"date":1,"time":{"chainId":8453},"timestamp":3},"tags":{"finishedAt":"z","startedAt":"x","updatedAt":"y"}}',
    );
    expect(canonicalJson(doc, [['generatedAt'], ['tags', 'startedAt']])).toBe(
      '{"networks":{"createdAt":2,"date":1,"time":{"chainId":8453},"timestamp":3},"tags":{"finishedAt":"z","updatedAt":"y"}}',
    );
    // A path names one field from the root, not a name found at any depth.
    expect(canonicalJson({ a: { generatedAt: 1 } }, [['generatedAt']])).toBe(
      '{"a":{"generatedAt":1}}',
    );
  });

  it('refuses what JSON cannot carry rather than hashing it as null or {}', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/cannot hash n: the number NaN/);
    expect(() => canonicalJson({ m: new Map([[1, 2]]) })).toThrow(/cannot hash m: a Map instance/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/cannot hash f: a function/);
  });
});

/** A keys plan carrying funding settings, as provision-keys outputs it. */
function withFunding(keys: KeysJson, target: string, recorded: string | null = null): KeysJson {
  const settings = {
    environment: 'staging',
    networks: { kovan: { roles: { updater: { lower: '1', target } } } },
  };
  return {
    ...keys,
    funding: {
      action: recorded === null ? 'record' : 'exists',
      sha256: createHash('sha256').update(canonicalJson(settings)).digest('hex'),
      settings,
      recorded: recorded === null ? null : { sha256: recorded },
      baseline: 'none',
      changes: [{ setting: 'kovan · updater', after: `lower 1, target ${target}` }],
    },
  };
}

describe('planHash', () => {
  const keys = withFunding(keysPlan('staging', 8, { create: 1 }), '5');
  const iam = iamPlan(['staging-relayer-signer']);

  it('is the full sha256 over the canonical plan, funding settings included', () => {
    const hash = planHash({ environment: 'staging', keys, iam });
    const funding = keys.funding!;
    const expected = createHash('sha256')
      .update(
        canonicalJson({
          bucket: null,
          environment: 'staging',
          funding: { recorded: null, settings: funding.settings, sha256: funding.sha256 },
          iam: iam.changes,
          keys: keys.keys,
        }),
      )
      .digest('hex');
    expect(hash).toBe(expected);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, timestamps, derived fields, the funding diff or apply results', () => {
    const a = planHash({ environment: 'staging', keys, iam });
    const b = planHash({
      environment: 'staging',
      keys: {
        ...(reversedKeys(keys) as KeysJson),
        ok: false,
        attestation: [],
        funding: { ...keys.funding!, baseline: 'recorded', changes: [] },
      },
      iam: {
        ...iam,
        after: iamPlan(['x']).changes,
        summary: { create: 9 },
        ...{ generatedAt: Date.now() },
      },
    });
    expect(b).toBe(a);
  });

  it('changes when what would be written or paid changes, or for another environment', () => {
    const a = planHash({ environment: 'staging', keys, iam });
    expect(
      planHash({
        environment: 'staging',
        keys: withFunding(keysPlan('staging', 8, { create: 2 }), '5'),
        iam,
      }),
    ).not.toBe(a);
    // A funding target is money: another target is another plan.
    expect(
      planHash({
        environment: 'staging',
        keys: withFunding(keysPlan('staging', 8, { create: 1 }), '6'),
        iam,
      }),
    ).not.toBe(a);
    // So is what the bank records (the plan was made against another approved state).
    expect(
      planHash({
        environment: 'staging',
        keys: withFunding(keysPlan('staging', 8, { create: 1 }), '5', 'e'.repeat(64)),
        iam,
      }),
    ).not.toBe(a);
    expect(planHash({ environment: 'staging', keys, iam: iamPlan(['other']) })).not.toBe(a);
    expect(planHash({ environment: 'production', keys, iam })).not.toBe(a);
    expect(planHash({ environment: 'staging', keys })).not.toBe(a);
  });
});

describe('planWrites', () => {
  it('is true for keys to create, funding to record, IAM or bucket changes; false when all exists', () => {
    expect(planWrites({ environment: 's', keys: keysPlan('s', 4) })).toBe(false);
    expect(planWrites({ environment: 's', keys: keysPlan('s', 4, { create: 1 }) })).toBe(true);
    expect(planWrites({ environment: 's', keys: withFunding(keysPlan('s', 4), '5') })).toBe(true);
    expect(
      planWrites({ environment: 's', keys: withFunding(keysPlan('s', 4), '5', 'e'.repeat(64)) }),
    ).toBe(false);
    expect(planWrites({ environment: 's', iam: iamPlan(['p']) })).toBe(true);
    // A leftover key apply retires is a write; one it leaves (pending deletion already) is not.
    const withLeftover = (leftover: 'schedule-deletion' | 'keep') => {
      const keys = keysPlan('s', 4);
      keys.keys.push({ ...keys.keys[0]!, status: 'leftover', leftover });
      return { environment: 's', keys };
    };
    expect(planWrites(withLeftover('schedule-deletion'))).toBe(true);
    expect(planWrites(withLeftover('keep'))).toBe(false);
    const exists = { kind: 's3-bucket', id: 'b', action: 'exists', reason: '' } as const;
    expect(planWrites({ environment: 's', bucket: iamPlan([], [exists]) })).toBe(false);
  });
});

describe('parsePlanInput', () => {
  it('reads JSON text, a file, or nothing, and names the input when it is neither', () => {
    const files: Record<string, string> = { 'plan.json': '{"a":1}' };
    const read = (p: string) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p]!;
    };
    expect(parsePlanInput('keys-json', ' {"a":2} ', read)).toEqual({ a: 2 });
    expect(parsePlanInput('keys-json', 'plan.json', read)).toEqual({ a: 1 });
    expect(parsePlanInput('keys-json', '', read)).toBeUndefined();
    expect(() => parsePlanInput('keys-json', 'missing.json', read)).toThrow(
      /keys-json is neither JSON nor a readable file/,
    );
    expect(() => parsePlanInput('iam-json', '{oops', read)).toThrow(/iam-json is not JSON/);
  });
});

describe('decideApply', () => {
  const keys = withFunding(keysPlan('production', 4), '5');
  const current = { environment: 'production', keys, iam: iamPlan(['p']) };

  it('passes when the re-plan equals the approved plan, by full sha256', () => {
    const d = decideApply({ environment: 'production', current, approved: { ...current } });
    expect(d.ok).toBe(true);
    expect(d.currentHash).toBe(planHash(current));
    expect(d.approvedHash).toBe(d.currentHash);
  });

  it('refuses a re-plan that differs, naming the parts that differ', () => {
    const approved = { ...current, keys: withFunding(keysPlan('production', 4), '4') };
    const d = decideApply({ environment: 'production', current, approved });
    expect(d.ok).toBe(false);
    expect(d.message).toContain('funding');
    expect(d.message).not.toContain('iam,');
    expect(d.message).toContain(shortHash(planHash(current)));
  });

  it('refuses without an approved plan, even when the re-plan writes nothing', () => {
    const idle = { environment: 'production', keys: keysPlan('production', 4) };
    expect(decideApply({ environment: 'production', current: idle, approved: undefined }).ok).toBe(
      false,
    );
    expect(
      decideApply({
        environment: 'production',
        current: idle,
        approved: { environment: 'production' },
      }).ok,
    ).toBe(false);
  });

  it('fails when given no plan at all (a misnamed output must not disable it)', () => {
    const none = { environment: 'production' };
    const d = decideApply({ environment: 'production', current: none, approved: none });
    expect(d.ok).toBe(false);
    expect(d.message).toMatch(/no plan made in this job/);
  });

  it("refuses another environment's plan", () => {
    const d = decideApply({
      environment: 'production',
      current,
      approved: { ...current, environment: 'staging' },
    });
    expect(d.ok).toBe(false);
  });
});
