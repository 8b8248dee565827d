import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOP, runStepAdapters, stepCallsOutsideLoop, stepCallsOutsideLoopIn } from './one-loop.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('reconcile() is the only place a plan is applied', () => {
  it('no module of src/ runs a write step outside a reconciler run by the loop', () => {
    expect(stepCallsOutsideLoopIn(root)).toEqual([]);
  });

  it('sees the adapters of every resource kind (keys, funding record, IAM, bucket)', () => {
    const adapters = runStepAdapters(root).map((f) => path.relative(root, f));
    for (const kind of ['keys', 'funding', 'iam', 'bucket']) {
      expect(
        adapters.some((f) => f.startsWith(path.join('src', 'plan', kind))),
        kind,
      ).toBe(true);
    }
  });
});

describe('stepCallsOutsideLoop', () => {
  it('allows a step runner inside a runStep adapter, and runStep called by the loop', () => {
    const adapter = `export const r = { runStep: (step, change) => runKmsStep(step, change, ctx) };
      export const s = { async runStep(step) { await runIamStep(clients, step); } };`;
    expect(stepCallsOutsideLoop('src/plan/keys/reconcile.ts', adapter)).toEqual([]);
    expect(stepCallsOutsideLoop(LOOP, 'await reconciler.runStep(step, change);')).toEqual([]);
  });

  it('names a step runner called directly (a second apply path) and runStep called elsewhere', () => {
    const direct = `export async function applyKeys(changes) {
      for (const c of changes) await runKmsStep({ op: 'alias' }, c, ctx);
    }`;
    expect(stepCallsOutsideLoop('src/plan/keys/keys.ts', direct)).toEqual([
      "src/plan/keys/keys.ts:2: calls runKmsStep outside a reconciler's runStep",
    ]);
    expect(stepCallsOutsideLoop('src/jobs/keys.ts', 'await kms.first.runStep(s, c);')).toEqual([
      'src/jobs/keys.ts:1: calls runStep outside the loop',
    ]);
  });
});
