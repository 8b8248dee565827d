import { describe, expect, it } from 'vitest';
import { keysFor } from '../../src/inventory/keys.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../src/inventory/tags.js';
import { keysNotInPlace } from '../../src/plan/funding/reconcile.js';
import { decideLeftovers, type FoundKey } from '../../src/plan/keys/leftovers.js';
import { rowOf } from '../../src/plan/keys/rows.js';
import { planSecretKeys } from '../../src/plan/keys/secrets.js';
import { baseDetail, KEY_STATUS, KEY_STATUSES } from '../../src/plan/keys/types.js';
import { keyRowJsonSchema } from '../../src/report/plan-json.js';
import { planWrites } from '../../src/report/plan-hash.js';
import { keysPlan } from '../github/plans.js';
import { loadEnv } from '../keys/helpers.js';

/** Decisions read the data a plan carries, never its wording (issue 27 item 4). */

const dev = loadEnv('development');
const key = keysFor(dev).find((k) => k.secretName)!;
const secret = {
  found: true as const,
  usable: true as const,
  secretName: key.secretName!,
  arn: `arn:aws:secretsmanager:${dev.aws.region}:${dev.aws.accountId}:secret:${key.secretName}`,
  address: '0x0000000000000000000000000000000000000001',
};

describe('a development key whose address tag apply writes', () => {
  it('says in its detail whether the tag is added or corrected', () => {
    for (const tagged of ['added', 'corrected'] as const) {
      const [change] = planSecretKeys(
        [key],
        new Map([[key.secretName!, { ...secret, tagged }]]),
        'r',
      );
      expect(change).toMatchObject({ action: 'update', detail: { addressTag: tagged } });
    }
  });

  it('is a write that needs approval, in the status list the plan JSON schema accepts', () => {
    expect(KEY_STATUS.update.writes).toBe(true);
    expect(keyRowJsonSchema.shape.status.options).toEqual([...KEY_STATUSES]);
    const plan = keysPlan('development', 2);
    plan.keys[0] = { ...plan.keys[0]!, status: 'update' };
    expect(planWrites({ environment: 'development', keys: plan })).toBe(true);
  });
});

describe('a leftover key apply retires', () => {
  it('carries the key its alias points at as data', () => {
    const tags = {
      ...key.tags,
      [TAG_KEYS.alias]: key.alias,
      [TAG_KEYS.aliased]: 'false',
      [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    };
    const found: FoundKey = {
      keyId: 'extra',
      tags,
      info: { keyId: 'extra', arn: 'arn', description: '', keyState: 'Enabled' },
    };
    const [decision] = decideLeftovers([found], {
      inventory: new Set([key.alias]),
      targetOf: () => ({ keyId: 'kept', tags }),
      keep: new Set(),
    });
    expect(decision).toMatchObject({ action: 'schedule-deletion', aliasTarget: 'kept' });
  });
});

describe('the funding record waits for every key to be in place', () => {
  const row = (status: (typeof KEY_STATUSES)[number], purpose: 'bank' | 'signer' = 'signer') =>
    rowOf({ ...baseDetail(key, 'kms', 'r'), purpose }, status);

  it('by what each status means, not by a list kept beside the decision', () => {
    const bank = row('exists', 'bank');
    for (const status of KEY_STATUSES) {
      const blocked = keysNotInPlace([bank, row(status)]);
      expect(blocked === undefined, status).toBe(KEY_STATUS[status].inPlace);
    }
    expect(keysNotInPlace([row('exists')])).toMatch(/the bank is missing/);
  });
});
