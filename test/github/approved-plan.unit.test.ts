import { describe, expect, it } from 'vitest';
import { decideApproved, planDifferences, STATE_CHANGED } from '../../src/report/approved-plan.js';
import { planFile, type EnvironmentPlans } from '../../src/report/plan-hash.js';
import { iamPlan, keysPlan } from './plans.js';

/** The decision of the apply of an approved plan: pure, over plans shaped as the actions write them. */

const COMMIT = 'a'.repeat(40);

function plans(): EnvironmentPlans {
  return {
    environment: 'staging',
    keys: keysPlan('staging', 8, { create: 2 }),
    iam: iamPlan(['p1']),
  };
}

describe('decideApproved', () => {
  it('applies a plan read now that equals the approved one', () => {
    const decision = decideApproved({
      environment: 'staging',
      current: plans(),
      approved: planFile(plans(), COMMIT),
      commit: COMMIT,
    });
    expect(decision.ok).toBe(true);
    expect(decision.differences).toEqual([]);
  });

  it('refuses a plan whose rows moved, naming each row', () => {
    const now = plans();
    const created = now.keys!.keys.find((k) => k.status === 'create')!;
    Object.assign(created, { status: 'broken', reason: 'an alias made by hand' });
    now.iam = iamPlan(['p1', 'p2']);
    const decision = decideApproved({
      environment: 'staging',
      current: now,
      approved: planFile(plans(), COMMIT),
      commit: COMMIT,
    });
    expect(decision.ok).toBe(false);
    expect(decision.message).toContain(`staging: ${STATE_CHANGED}. Nothing was written.`);
    expect(decision.differences).toEqual([
      `keys: \`${created.alias}\` approved create, now broken`,
      'iam: `iam-policy p2` is now planned (update), not approved',
    ]);
  });

  it('names a row whose content moved under the same action, and a row no longer planned', () => {
    const now = plans();
    now.keys!.keys[0]!.address = `0x${'f'.repeat(40)}`;
    now.keys!.keys.pop();
    const approved = plans();
    const lines = planDifferences(approved, now);
    expect(lines).toEqual([
      `keys: \`${approved.keys!.keys[0]!.alias}\` exists in both, with other content now`,
      `keys: \`${approved.keys!.keys.at(-1)!.alias}\` was approved (create) and is no longer planned`,
    ]);
  });

  it('refuses an approved plan of another commit before comparing', () => {
    const decision = decideApproved({
      environment: 'staging',
      current: plans(),
      approved: planFile(plans(), 'b'.repeat(40)),
      commit: COMMIT,
    });
    expect(decision.ok).toBe(false);
    expect(decision.message).toMatch(
      /approved plan is of commit bbbbbbb, this job checked out aaaaaaa/,
    );
  });
});
