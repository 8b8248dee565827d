/**
 * The pure side of running what was approved: which merged change is still pending (and since
 * when), which recorded commit the workflow may run, and what a refused run tells the operator.
 */
import { describe, expect, it } from 'vitest';
import {
  FUNDING_NOT_APPROVED,
  fundingApproved,
  pendingChange,
  runnableCommit,
  type ApprovedStatus,
} from '../../src/plan/funding/funding.js';

const R = 'a'.repeat(64);
const X = 'b'.repeat(64);
const Y = 'c'.repeat(64);
const HOUR = 3_600_000;
const at = (commit: string, hours: number, sha256: string | undefined) => ({
  commit: commit.repeat(40),
  committedAt: hours * HOUR,
  sha256,
});

describe('pendingChange', () => {
  const head = { commit: 'f'.repeat(40), committedAt: 9 * HOUR };
  const now = 10 * HOUR;

  it('is none while the head has the recorded settings (a change reverted before approval)', () => {
    expect(
      pendingChange({
        recordedSha256: R,
        headSha256: R,
        commits: [at('1', 1, X), at('2', 2, R)],
        head,
        now,
      }),
    ).toBeUndefined();
  });

  it('starts at the first commit after the last one with the recorded settings', () => {
    const pending = pendingChange({
      recordedSha256: R,
      headSha256: Y,
      // X, back to R, then X and Y: the change waiting began with the second X.
      commits: [at('1', 1, X), at('2', 2, R), at('3', 3, X), at('4', 4, Y), at('5', 5, undefined)],
      head,
      now,
    });
    expect(pending).toEqual({
      commit: '3'.repeat(40),
      committedAt: new Date(3 * HOUR).toISOString(),
      ageSeconds: 7 * 3600,
    });
  });

  it('an unreadable commit counts as a change; no commits at all: the head is what waits', () => {
    expect(
      pendingChange({
        recordedSha256: R,
        headSha256: X,
        commits: [at('1', 4, undefined)],
        head,
        now,
      }),
    ).toMatchObject({ commit: '1'.repeat(40), ageSeconds: 6 * 3600 });
    expect(
      pendingChange({ recordedSha256: R, headSha256: X, commits: [], head, now }),
    ).toMatchObject({ commit: head.commit, ageSeconds: 3600 });
  });
});

describe('runnableCommit', () => {
  const status = (over: Partial<ApprovedStatus>): ApprovedStatus => ({
    environment: 'production',
    bank: 'found',
    record: { sha256: R, commit: '1'.repeat(40), recordedAt: '2026-12-01T00:00:00.000Z' },
    checkout: { sha256: R, approved: true },
    onHistory: true,
    pending: null,
    ...over,
  });

  it('runs the recorded commit only when it is on the history', () => {
    expect(runnableCommit(status({}))).toEqual({ commit: '1'.repeat(40) });
    expect(runnableCommit(status({ onHistory: false }))).toEqual({
      refused: expect.stringContaining(
        `commit ${'1'.repeat(40)}, recorded on the production bank as approved, is not on main's history: refusing to run it`,
      ),
    });
    expect(runnableCommit(status({ onHistory: undefined }))).toEqual({
      refused: expect.stringContaining('fetch-depth: 0'),
    });
  });

  it('refuses without a bank, a record or a recorded commit, and says to run the apply workflow', () => {
    for (const over of [
      { bank: 'missing' as const, record: null },
      { record: null },
      { record: { sha256: R } },
    ]) {
      const verdict = runnableCommit(status(over));
      expect(verdict).toEqual({ refused: expect.stringContaining('run the apply workflow') });
    }
  });
});

describe('fundingApproved', () => {
  it('names the approved commit and how to run from it', () => {
    const refused = fundingApproved(
      X,
      { bank: 'found', record: { sha256: R, commit: '1'.repeat(40), recordedAt: 'T' } },
      'staging',
    );
    expect(refused.approved).toBe(false);
    expect(refused.message).toContain(FUNDING_NOT_APPROVED);
    expect(refused.message).toContain(`from commit ${'1'.repeat(40)}`);
    expect(refused.message).toContain(
      `git fetch origin && git checkout ${'1'.repeat(40)}\`, then \`nomad-ops keymaster once --env staging\``,
    );
    expect(fundingApproved(X, { bank: 'found', record: { sha256: R } }).message).toContain(
      'names no commit',
    );
  });
});
