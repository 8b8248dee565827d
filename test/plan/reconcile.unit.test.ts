import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/plan/change.js';
import { reconcile, type Reconciler } from '../../src/plan/reconcile.js';

/** An in-memory resource set: the wanted names exist after their step runs. */
function memory(wanted: string[], options: { failOn?: string; extra?: string[] } = {}) {
  const existing = new Set<string>(options.extra ?? []);
  const calls: string[] = [];
  let reads = 0;
  const reconciler: Reconciler<Set<string>, Change, { op: string; name: string }> = {
    read: () => {
      reads++;
      return Promise.resolve(new Set(existing));
    },
    plan: (state) => [
      ...wanted.map((name) => ({
        change: {
          kind: 'thing',
          id: name,
          action: state.has(name) ? ('exists' as const) : ('create' as const),
          reason: '',
          detail: {},
        },
        steps: state.has(name) ? [] : [{ op: 'create', name }],
      })),
      ...[...state]
        .filter((name) => !wanted.includes(name))
        .map((name) => ({
          change: { kind: 'thing', id: name, action: 'remove' as const, reason: '', detail: {} },
          steps: [{ op: 'delete', name }],
        })),
    ],
    runStep: (step) => {
      calls.push(`${step.op} ${step.name}`);
      if (step.name === options.failOn) return Promise.reject(new Error(`no ${step.name}`));
      if (step.op === 'create') existing.add(step.name);
      else existing.delete(step.name);
      return Promise.resolve();
    },
    describeStep: (step) => `${step.op} ${step.name}`,
  };
  return { reconciler, calls, existing, reads: () => reads };
}

describe('reconcile', () => {
  it('plans without writing and says ok when nothing is broken', async () => {
    const m = memory(['a', 'b']);
    const result = await reconcile(m.reconciler, { mode: 'plan' });
    expect(result.changes.map((c) => `${c.action} ${c.id}`)).toEqual(['create a', 'create b']);
    expect(result.ok).toBe(true);
    expect(result.mode).toBe('plan');
    expect(m.calls).toEqual([]);
    expect(m.reads()).toBe(1);
  });

  it('applies, re-reads and reports what is left', async () => {
    const m = memory(['a', 'b'], { extra: ['old'] });
    const steps: string[] = [];
    const result = await reconcile(m.reconciler, { mode: 'apply', onStep: (s) => steps.push(s) });
    // Without prune the leftover stays and does not make the result fail.
    expect(m.calls).toEqual(['create a', 'create b']);
    expect(steps).toEqual(['create a', 'create b']);
    expect(result.after!.map((c) => `${c.action} ${c.id}`)).toEqual([
      'exists a',
      'exists b',
      'remove old',
    ]);
    expect(result.ok).toBe(true);
    expect(m.reads()).toBe(2);
  });

  it('removes leftovers only with prune', async () => {
    const m = memory(['a'], { extra: ['old'] });
    const result = await reconcile(m.reconciler, { mode: 'apply', prune: true });
    expect(m.calls).toEqual(['create a', 'delete old']);
    expect([...m.existing]).toEqual(['a']);
    expect(result.ok).toBe(true);
  });

  it('one failing change does not stop the others, and the result is not ok', async () => {
    const m = memory(['a', 'b', 'c'], { failOn: 'b' });
    const result = await reconcile(m.reconciler, { mode: 'apply', concurrency: 2 });
    expect(m.calls.sort()).toEqual(['create a', 'create b', 'create c']);
    expect(result.failed!.map((f) => f.change.id)).toEqual(['b']);
    expect(result.after!.find((c) => c.id === 'b')!.action).toBe('create');
    expect(result.ok).toBe(false);
  });

  it('a broken change fails the plan', async () => {
    const broken: Reconciler<null, Change, never> = {
      read: () => Promise.resolve(null),
      plan: () => [
        { change: { kind: 'k', id: 'x', action: 'broken', reason: 'r', detail: {} }, steps: [] },
      ],
      runStep: () => Promise.resolve(),
      describeStep: () => '',
    };
    expect((await reconcile(broken, { mode: 'plan' })).ok).toBe(false);
  });
});

describe('reconcile apply hooks', () => {
  it('says how many steps apply runs and reports each one done, failed or not', async () => {
    const m = memory(['a', 'b'], { failOn: 'b' });
    const events: string[] = [];
    await reconcile(m.reconciler, {
      mode: 'apply',
      onApplyStart: (n) => events.push(`start ${n}`),
      onStepDone: (s, error) => events.push(`${s}${error ? ' failed' : ''}`),
    });
    expect(events).toEqual(['start 2', 'create a', 'create b failed']);
  });

  it('with nothing to apply writes nothing and does not read again', async () => {
    const m = memory(['a'], { extra: ['a'] });
    const result = await reconcile(m.reconciler, { mode: 'apply' });
    expect(m.calls).toEqual([]);
    expect(m.reads()).toBe(1);
    expect(result.after!.map((c) => `${c.action} ${c.id}`)).toEqual(['exists a']);
    expect(result.ok).toBe(true);
  });
});
