/**
 * The approval check's pure decision (src/report/self-approval.ts): approvals and history in,
 * decision out. The GitHub side is tested against the stand-in in approval-check.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeHistory, CommitPeople, RunApproval } from '../../src/github/history.js';
import { coAuthorsOf } from '../../src/github/co-authors.js';
import { decideApproval, renderApprovalDecision } from '../../src/report/self-approval.js';

const sha = (c: string) => c.repeat(40);
const approved = (login: string, id?: number, environment = 'production'): RunApproval => ({
  user: { login, ...(id === undefined ? {} : { id }) },
  state: 'approved',
  environments: [environment],
});
const commit = (c: string, people: Partial<CommitPeople> = {}): CommitPeople => ({
  sha: sha(c),
  subject: `change ${c}`,
  author: { login: 'alice', id: 1 },
  committer: { login: 'web-flow', id: 2 },
  coAuthors: [],
  pulls: [{ number: 7, author: { login: 'alice', id: 1 }, mergedBy: { login: 'bob', id: 3 } }],
  ...people,
});
const history = (...commits: CommitPeople[]): ChangeHistory => ({
  base: sha('0'),
  baseFound: true,
  head: commits.at(-1)?.sha ?? sha('0'),
  commits,
});
const decide = (approvals: RunApproval[], h: ChangeHistory) =>
  decideApproval({ environment: 'production', approvals, history: h });

describe('decideApproval', () => {
  it('passes an approver who is nobody in the range, and says so', () => {
    const d = decide([approved('carol', 4)], history(commit('a'), commit('b')));
    expect(d.ok).toBe(true);
    expect(d.message).toBe(
      'carol approved production and wrote, committed and merged none of the 2 commits after the recorded 0000000 up to bbbbbbb',
    );
    expect(renderApprovalDecision(d)).toContain('Approved by: carol');
  });

  it('refuses each way of being in the range: author, committer, pull opener, merger', () => {
    const d = decide(
      [approved('alice', 1), approved('bob', 3)],
      history(commit('a'), commit('b', { committer: { login: 'Bob' } })),
    );
    expect(d.ok).toBe(false);
    expect(d.selfApprovals.map((s) => [s.approver, s.commit[0], s.involvement])).toEqual([
      ['alice', 'a', ['authored', 'opened the pull request of']],
      ['bob', 'a', ['merged']],
      ['alice', 'b', ['authored', 'opened the pull request of']],
      ['bob', 'b', ['committed', 'merged']],
    ]);
  });

  it('an id decides over a login (a renamed account; a login someone else took)', () => {
    const renamed = decide([approved('alice-new', 1)], history(commit('a')));
    expect(renamed.ok).toBe(false);
    const namesake = decide(
      [approved('alice', 99)],
      history(
        commit('a', {
          pulls: [{ number: 1, author: { login: 'x', id: 5 }, mergedBy: { login: 'y', id: 6 } }],
        }),
      ),
    );
    expect(namesake.ok).toBe(true);
  });

  it('counts only approvals of this environment; a rejection or a staging approval is none', () => {
    const d = decide(
      [approved('carol', 4, 'staging'), { ...approved('dave', 5), state: 'rejected' }],
      history(commit('a')),
    );
    expect(d.ok).toBe(false);
    expect(d.approvers).toEqual([]);
    expect(d.message).toMatch(/^refusing to apply production: GitHub lists no approval/);
  });

  it('a commit with no account: accepted through a pull request with a known opener and merger, refused otherwise', () => {
    const anonymous = { name: 'M', email: 'm@example.com' };
    const viaPull = decide([approved('carol', 4)], history(commit('a', { author: anonymous })));
    expect([viaPull.ok, viaPull.unattributed]).toEqual([true, [sha('a')]]);
    const pushed = decide(
      [approved('carol', 4)],
      history(commit('a', { author: anonymous, pulls: [] })),
    );
    expect(pushed.ok).toBe(false);
    expect(pushed.unaccounted).toEqual([
      { commit: sha('a'), subject: 'change a', who: 'M <m@example.com>' },
    ]);
  });
});

describe('co-authors', () => {
  it('reads Co-authored-by trailers, resolving GitHub noreply emails to accounts', () => {
    const message = [
      'change',
      '',
      'body',
      '',
      'Co-authored-by: Carol <4+carol@users.noreply.github.com>',
      'co-authored-by: Old Dave <dave@users.noreply.github.com>',
      'Co-Authored-By: Erin <erin@example.com>',
      'Not-a-trailer: x <y@z>',
    ].join('\n');
    expect(coAuthorsOf(message)).toEqual([
      { name: 'Carol', email: '4+carol@users.noreply.github.com', login: 'carol', id: 4 },
      { name: 'Old Dave', email: 'dave@users.noreply.github.com', login: 'dave' },
      { name: 'Erin', email: 'erin@example.com' },
    ]);
  });

  it('refuses an approver a trailer credits by id, by login, or by a name that is their login', () => {
    const byId = decide(
      [approved('carol-renamed', 4)],
      history(commit('a', { coAuthors: [{ login: 'carol', id: 4 }] })),
    );
    expect(byId.selfApprovals.map((s) => s.involvement)).toEqual([['co-authored']]);
    const byName = decide(
      [approved('Carol', 4)],
      history(commit('a', { coAuthors: [{ name: 'carol', email: 'c@example.com' }] })),
    );
    expect(byName.ok).toBe(false);
    expect(byName.message).toContain('Carol approved it but co-authored commit aaaaaaa');
  });

  it('passes a co-author who cannot be tied to the approver', () => {
    const d = decide(
      [approved('carol', 4)],
      history(
        commit('a', {
          coAuthors: [
            { name: 'Carol Smith', email: 'carol@example.com' },
            { login: 'carol', id: 5 },
          ],
        }),
      ),
    );
    expect(d.ok).toBe(true);
  });
});
