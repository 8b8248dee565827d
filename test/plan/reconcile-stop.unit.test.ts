import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/plan/change.js';
import { reconcile, type Reconciler } from '../../src/plan/reconcile.js';

/** Changes that build on one another in order (IAM, the bucket): b needs a, c needs b. */
function chain(failOn: string) {
  const calls: string[] = [];
  let reads = 0;
  const reconciler: Reconciler<null, Change, string> = {
    read: () => {
      reads++;
      return Promise.resolve(null);
    },
    plan: () =>
      ['a', 'b', 'c'].map((id) => ({
        change: { kind: 'thing', id, action: 'create' as const, reason: '', detail: {} },
        steps: [`${id}1`, `${id}2`],
      })),
    runStep: (step) => {
      calls.push(step);
      return step === failOn ? Promise.reject(new Error(`no ${step}`)) : Promise.resolve();
    },
    describeStep: (step) => step,
  };
  return { reconciler, calls, reads: () => reads };
}

describe('reconcile with stopOnFailure', () => {
  it('throws the first failing step as is and attempts nothing after it', async () => {
    const m = chain('b1');
    await expect(reconcile(m.reconciler, { mode: 'apply', stopOnFailure: true })).rejects.toThrow(
      'no b1',
    );
    expect(m.calls).toEqual(['a1', 'a2', 'b1']);
    expect(m.reads()).toBe(1);
  });

  it('without it, the failing change is recorded and the others go on', async () => {
    const m = chain('b1');
    const result = await reconcile(m.reconciler, { mode: 'apply' });
    expect(m.calls).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
    expect(result.failed!.map((f) => f.change.id)).toEqual(['b']);
    expect(result.ok).toBe(false);
  });
});
