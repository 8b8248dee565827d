import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideApply } from '../../src/github/guard.js';
import { canonicalJson, parsePlanInput, planHash, planWrites } from '../../src/report/plan-hash.js';
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
  it('orders keys, keeps array order, drops undefined and timestamps', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: undefined, c: 2 }], startedAt: 5 })).toBe(
      '{"a":[3,{"c":2}],"b":1}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe('planHash', () => {
  const keys = keysPlan('staging', 8, { create: 1 });
  const iam = iamPlan(['staging-relayer-signer']);

  it('is the first 12 hex of sha256 over the canonical plan', () => {
    const hash = planHash({ environment: 'staging', keys, iam });
    const expected = createHash('sha256')
      .update(
        canonicalJson({ bucket: null, environment: 'staging', iam: iam.changes, keys: keys.keys }),
      )
      .digest('hex')
      .slice(0, 12);
    expect(hash).toBe(expected);
  });

  it('does not depend on key order, timestamps, derived fields or apply results', () => {
    const a = planHash({ environment: 'staging', keys, iam });
    const b = planHash({
      environment: 'staging',
      keys: { ...(reversedKeys(keys) as object), ok: false, attestation: [] },
      iam: { ...iam, after: [{ kind: 'x' }], summary: { create: 9 }, generatedAt: Date.now() },
    });
    expect(b).toBe(a);
  });

  it('changes when what would be written changes, or for another environment', () => {
    const a = planHash({ environment: 'staging', keys, iam });
    expect(
      planHash({ environment: 'staging', keys: keysPlan('staging', 8, { create: 2 }), iam }),
    ).not.toBe(a);
    expect(planHash({ environment: 'staging', keys, iam: iamPlan(['other']) })).not.toBe(a);
    expect(planHash({ environment: 'production', keys, iam })).not.toBe(a);
    expect(planHash({ environment: 'staging', keys })).not.toBe(a);
  });
});

describe('planWrites', () => {
  it('is true for keys to create and for IAM or bucket changes, false when all exists', () => {
    expect(planWrites({ environment: 's', keys: keysPlan('s', 4) })).toBe(false);
    expect(planWrites({ environment: 's', keys: keysPlan('s', 4, { create: 1 }) })).toBe(true);
    expect(planWrites({ environment: 's', iam: iamPlan(['p']) })).toBe(true);
    // A leftover key apply retires is a write; one it leaves (pending deletion already) is not.
    const withLeftover = (leftover: 'schedule-deletion' | 'keep') => {
      const keys = keysPlan('s', 4);
      keys.keys.push({ ...keys.keys[0]!, status: 'leftover', leftover });
      return { environment: 's', keys };
    };
    expect(planWrites(withLeftover('schedule-deletion'))).toBe(true);
    expect(planWrites(withLeftover('keep'))).toBe(false);
    expect(planWrites({ environment: 's', bucket: { changes: [{ action: 'exists' }] } })).toBe(
      false,
    );
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
  const input = {
    environment: 'production',
    approvedFrom: 'the production plan comment on #5',
    writes: true,
  };

  it('passes when the hashes are equal', () => {
    expect(
      decideApply({ ...input, currentHash: 'aaaaaaaaaaaa', approvedHash: 'aaaaaaaaaaaa' }).ok,
    ).toBe(true);
  });

  it('refuses differing hashes, naming both and where the approval came from', () => {
    const d = decideApply({ ...input, currentHash: 'bbbbbbbbbbbb', approvedHash: 'aaaaaaaaaaaa' });
    expect(d.ok).toBe(false);
    expect(d.message).toContain('bbbbbbbbbbbb');
    expect(d.message).toContain('aaaaaaaaaaaa');
    expect(d.message).toContain('#5');
  });

  it('refuses a writing plan without any approval, and lets a plan that writes nothing pass', () => {
    expect(decideApply({ ...input, currentHash: 'bbbbbbbbbbbb', approvedHash: undefined }).ok).toBe(
      false,
    );
    expect(
      decideApply({
        ...input,
        writes: false,
        currentHash: 'bbbbbbbbbbbb',
        approvedHash: 'aaaaaaaaaaaa',
      }).ok,
    ).toBe(true);
  });
});
