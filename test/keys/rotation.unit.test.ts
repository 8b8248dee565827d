import { describe, expect, it } from 'vitest';
import type { KmsKeyInfo } from '../../src/aws/kms-types.js';
import type { RotationSpec } from '../../src/inventory/rotations.js';
import type { FoundKey } from '../../src/plan/keys/leftovers.js';
import { planRotation, type RotationRead } from '../../src/plan/keys/rotation.js';

/** The pure decisions of a rotation (issue 26): what each state read leads apply to do. */

const ALIAS = 'alias/staging-hoodi-relayer-signer';
const spec = (state: 'staged' | 'switched', bank = false): RotationSpec => ({
  key: {
    environment: 'staging',
    network: 'hoodi',
    keyName: 'relayer-signer',
    role: 'relayer',
    purpose: 'signer',
    alias: ALIAS,
    description: 'staging hoodi relayer-signer',
    tags: { 'managed-by': 'nomad-agent-ops', 'nomad:alias': ALIAS },
  },
  state,
  reason: 'operator left',
  bank,
});
const info = (keyId: string, creationDate: string, keyState = 'Enabled'): KmsKeyInfo => ({
  keyId,
  arn: `arn:aws:kms:us-west-2:1:key/${keyId}`,
  description: '',
  keyState,
  creationDate,
});
const staged = (keyId: string, creationDate: string): FoundKey => ({
  keyId,
  tags: { 'nomad:alias': ALIAS, 'nomad:rotation': 'staged', 'nomad:aliased': 'false' },
  info: info(keyId, creationDate),
});
const read = (currentTags: Record<string, string>, keys: FoundKey[]): RotationRead => ({
  current: { keyId: 'old', tags: currentTags, address: '0xOld' },
  keys,
  addresses: new Map([['new', '0xNew']]),
});
const plan = (s: RotationSpec, r: RotationRead) => planRotation(s, r, 'us-west-2', 30);
const ops = (c: ReturnType<typeof plan>) => c.detail.rotation!.steps.map((s) => s.op);

describe('planRotation', () => {
  it('stages a key when none is staged, and nothing more once one is', () => {
    expect(ops(plan(spec('staged'), read({ 'nomad:alias': ALIAS }, [])))).toEqual([
      'create-staged',
    ]);
    const waiting = plan(spec('staged'), read({}, [staged('new', '2026-01-02')]));
    expect(waiting.action).toBe('exists');
    expect(waiting.reason).toContain('0xOld → 0xNew');
  });

  it('keeps the oldest of two staged keys and retires the other: never two', () => {
    const c = plan(
      spec('staged'),
      read({}, [staged('late', '2026-01-03'), staged('new', '2026-01-02')]),
    );
    expect(c.detail.rotation!.next?.keyId).toBe('new');
    expect(c.detail.rotation!.steps).toEqual([{ op: 'retire-extra', keyId: 'late', days: 30 }]);
  });

  it('switches in five steps, marking the old key before the alias moves', () => {
    expect(ops(plan(spec('switched'), read({}, [staged('new', '2026-01-02')])))).toEqual([
      'mark-retired',
      'move-alias',
      'unmark-staged',
      'untag-alias',
      'retire',
    ]);
  });

  it('resumes a switch killed after the alias moved', () => {
    const r: RotationRead = {
      current: { keyId: 'new', tags: { 'nomad:rotation': 'staged' }, address: '0xNew' },
      keys: [
        {
          keyId: 'old',
          tags: { 'nomad:rotation': 'retired', 'nomad:retired-from': ALIAS, 'nomad:alias': ALIAS },
          info: info('old', '2025-01-01'),
        },
      ],
      addresses: new Map(),
    };
    expect(ops(plan(spec('switched'), r))).toEqual(['unmark-staged', 'untag-alias', 'retire']);
  });

  it('refuses a switch with nothing staged: two approved steps, never one', () => {
    expect(plan(spec('switched'), read({}, [])).action).toBe('broken');
  });

  it("leaves the bank's alias to the Keymaster", () => {
    const c = plan(spec('switched', true), read({}, [staged('new', '2026-01-02')]));
    expect(c.action).toBe('exists');
    expect(ops(c)).toEqual([]);
  });
});
