/**
 * The approval check (issue 24 item 4) against the recording GitHub stand-in on 127.0.0.1: who
 * approved the run's production deployment against who authored, committed, opened or merged each
 * commit after the one recorded on the bank. Pagination of compare and of the commit list, a
 * missing or unknown base, accounts matched by id, commits by emails no account has.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubClient } from '../../src/github/client.js';
import { approvalCheckJob, type CommitRange } from '../../src/jobs/approval-check.js';
import { cli } from '../cli/helpers.js';
import { FakeGithub, type FakeAccount, type FakeCommit, type FakePull } from './fake-github.js';

const REPO = 'nomad-xyz/nomad-agent-ops';
const RUN = '777';
const alice: FakeAccount = { login: 'alice', id: 1 };
const bob: FakeAccount = { login: 'bob', id: 2 };
const carol: FakeAccount = { login: 'carol', id: 3 };
const webFlow: FakeAccount = { login: 'web-flow', id: 19864447 };

let github: FakeGithub;
let pullNumber = 1;

beforeAll(async () => {
  github = await new FakeGithub(REPO).start();
});
afterAll(async () => {
  await github.stop();
});
beforeEach(() => {
  github.history.length = 0;
  github.pullsByCommit.clear();
  github.approvals.clear();
  github.clearRequests();
});

const sha = (n: number) => createHash('sha1').update(`commit ${n}`).digest('hex');

/** Appends a commit; by default authored by `author` through a pull request bob merged. */
function commit(
  author: FakeAccount | null,
  options: {
    committer?: FakeAccount | null;
    pull?: Partial<FakePull> | null;
    email?: string;
    trailers?: string;
  } = {},
): string {
  const id = github.history.length;
  const c: FakeCommit = {
    sha: sha(id),
    commit: {
      message: `change ${id}\n\nbody${options.trailers ? `\n\n${options.trailers}` : ''}`,
      author: { name: author?.login ?? 'Mallory', email: options.email ?? `${author?.login}@x` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    author,
    committer: options.committer === undefined ? webFlow : options.committer,
  };
  github.history.push(c);
  if (options.pull !== null) {
    github.pullsByCommit.set(c.sha, [
      {
        number: pullNumber++,
        merged_at: '2026-12-01T00:00:00Z',
        merge_commit_sha: c.sha,
        ...(author ? { user: author } : {}),
        merged_by: bob,
        ...options.pull,
      },
    ]);
  }
  return c.sha;
}

function approve(...users: FakeAccount[]) {
  github.approvals.set(
    RUN,
    users.map((user) => ({
      state: 'approved' as const,
      user,
      environments: [{ name: 'production' }],
      comment: '',
    })),
  );
}

const check = (range: CommitRange, environment = 'production') =>
  approvalCheckJob(githubClient('read-token', github.url), {
    repository: REPO,
    runId: Number(RUN),
    environment,
    range,
  });

describe('the approval check', () => {
  it('passes when no approver wrote, committed, opened or merged a commit of the range', async () => {
    const base = commit(carol); // carol's own change was applied before: not in the range
    commit(alice);
    const head = commit(alice);
    approve(carol);
    const { decision } = await check({ base, head });
    expect(decision.ok).toBe(true);
    expect(decision.commits).toBe(2);
    expect(decision.message).toBe(
      `carol approved production and wrote, committed and merged none of the 2 commits after the recorded ${base.slice(0, 7)} up to ${head.slice(0, 7)}`,
    );
    expect(github.writes()).toEqual([]);
  });

  it('refuses an approver a Co-authored-by trailer credits through their noreply email', async () => {
    const base = commit(alice);
    const head = commit(alice, {
      trailers: `Co-authored-by: Someone <${carol.id}+${carol.login}@users.noreply.github.com>`,
    });
    approve(carol);
    const { decision } = await check({ base, head });
    expect(decision.ok).toBe(false);
    expect(decision.selfApprovals.map((s) => [s.commit, s.involvement])).toEqual([
      [head, ['co-authored']],
    ]);
    expect(decision.message).toContain(
      `carol approved it but co-authored commit ${head.slice(0, 7)}`,
    );
  });

  it('refuses an approver who merged, opened, authored or committed a commit, saying who and which', async () => {
    const base = commit(alice);
    const merged = commit(alice, { pull: { merged_by: carol } });
    commit(alice);
    approve(carol);
    const byMerge = await check({ base, head: github.history.at(-1)!.sha });
    expect(byMerge.decision.ok).toBe(false);
    expect(byMerge.decision.message).toMatch(
      new RegExp(
        `refusing to apply production: carol approved it but merged commit ${merged.slice(0, 7)} "change 1" \\(#\\d+\\)`,
      ),
    );

    const authored = commit(carol, { pull: { user: alice } });
    const committed = commit(alice, { committer: carol, pull: null });
    const head = commit(alice, { pull: { user: carol } });
    const all = await check({ base, head });
    expect(all.decision.selfApprovals.map((s) => [s.commit, s.involvement])).toEqual([
      [merged, ['merged']],
      [authored, ['authored']],
      [committed, ['committed']],
      [head, ['opened the pull request of']],
    ]);
    expect(all.markdown).toContain('⛔ refusing to apply production: carol approved it but');
  });

  it('matches accounts by id (a renamed login is the same person), logins case-insensitively', async () => {
    const base = commit(alice);
    const head = commit({ login: 'carol-old', id: carol.id });
    approve(carol);
    expect((await check({ base, head })).decision.ok).toBe(false);
    github.approvals.set(RUN, [
      {
        state: 'approved',
        user: { login: 'BOB', id: undefined as unknown as number },
        environments: [{ name: 'production' }],
        comment: '',
      },
    ]);
    expect((await check({ base, head })).decision.selfApprovals[0]?.approver).toBe('BOB');
  });

  it('refuses when nobody approved this environment in the run (a staging approval does not count)', async () => {
    const base = commit(alice);
    const head = commit(alice);
    github.approvals.set(RUN, [
      { state: 'approved', user: carol, environments: [{ name: 'staging' }], comment: '' },
      { state: 'rejected', user: bob, environments: [{ name: 'production' }], comment: '' },
    ]);
    const { decision } = await check({ base, head });
    expect(decision.ok).toBe(false);
    expect(decision.message).toMatch(/GitHub lists no approval of the production deployment/);
  });

  it('reads every page of a long range: a self-approval on the third page is found', async () => {
    const base = commit(alice);
    for (let i = 0; i < 230; i++) commit(alice, { pull: null });
    const late = commit(carol);
    const head = commit(alice);
    approve(carol);
    const { decision } = await check({ base, head });
    expect(decision.commits).toBe(232);
    expect(decision.selfApprovals.map((s) => s.commit)).toEqual([late]);
    const pages = github.requests
      .filter((r) => r.path.includes('/compare/'))
      .map((r) => r.query.get('page'));
    expect(pages).toEqual(['1', '2', '3']);
  });

  it('without a recorded commit, every commit up to the planned one counts, through the paginated list', async () => {
    const first = commit(carol);
    for (let i = 0; i < 120; i++) commit(alice, { pull: null });
    const head = commit(alice);
    approve(carol);
    const { decision } = await check({ base: null, head });
    expect(decision.commits).toBe(122);
    expect(decision.selfApprovals.map((s) => s.commit)).toEqual([first]);
    expect(decision.message).toContain(
      `no commit is recorded on the bank, so every commit up to ${head.slice(0, 7)} counts (122)`,
    );
    // GitHub does not know the recorded commit (history rewritten): the whole history again
    const unknown = await check({ base: 'f'.repeat(40), head });
    expect(unknown.decision.selfApprovals.map((s) => s.commit)).toEqual([first]);
    expect(unknown.decision.message).toContain('GitHub does not know the recorded commit fffffff');
  });

  it('a commit by an email no account has: accepted through a checked pull request, refused when pushed directly', async () => {
    const base = commit(alice);
    const viaPull = commit(null, { email: 'ghost@example.com', pull: { user: alice } });
    approve(carol);
    const accepted = await check({ base, head: viaPull });
    expect(accepted.decision.ok).toBe(true);
    expect(accepted.decision.unattributed).toEqual([viaPull]);

    const pushed = commit(null, { email: 'ghost@example.com', committer: null, pull: null });
    const refused = await check({ base, head: pushed });
    expect(refused.decision.ok).toBe(false);
    expect(refused.decision.message).toMatch(
      new RegExp(
        `commit ${pushed.slice(0, 7)} "change 2" is by Mallory <ghost@example.com>, GitHub <noreply@github.com>, which no GitHub account has, and came through no merged pull request`,
      ),
    );
  });

  it('fails closed when GitHub cannot answer (a planned commit GitHub does not know)', async () => {
    commit(alice);
    approve(carol);
    await expect(check({ base: null, head: 'e'.repeat(40) })).rejects.toThrow(
      /could not read the history up to eeeeeee from GitHub \(404.*refusing to apply/,
    );
  });
});

describe('nomad-ops github approvers', () => {
  const env = () => ({ GITHUB_TOKEN: 'read-token', GITHUB_API_URL: github.url });

  it('reads the range from the approved plan file; exit 0 when clean, 1 naming the self-approval', async () => {
    const base = commit(alice);
    const head = commit(alice);
    approve(carol);
    const dir = mkdtempSync(path.join(tmpdir(), 'approvers-'));
    const plan = {
      environment: 'production',
      commit: head,
      keys: {
        ok: true,
        keys: [],
        attestation: [],
        funding: {
          action: 'exists',
          sha256: 'a'.repeat(64),
          settings: {},
          recorded: { sha256: 'a'.repeat(64), commit: base },
          baseline: 'recorded',
          changes: [],
        },
      },
      sha256: 'b'.repeat(64),
    };
    writeFileSync(path.join(dir, 'production-plan.json'), JSON.stringify(plan));
    const args = ['github', 'approvers', '--repo', REPO, '--run-id', RUN];
    const ok = await cli([...args, '--plan', 'production-plan.json'], { cwd: dir, env: env() });
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toContain(`carol approved production`);
    expect(github.requests.some((r) => r.path.endsWith(`/compare/${base}...${head}`))).toBe(true);

    approve(alice);
    const refused = await cli([...args, '--head', head, '--base', base, '--json'], {
      cwd: dir,
      env: env(),
    });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      approvers: ['alice'],
      selfApprovals: [
        {
          approver: 'alice',
          commit: head,
          involvement: ['authored', 'opened the pull request of'],
        },
      ],
    });
  });

  it('bad input exits 2 before any request', async () => {
    github.clearRequests();
    const args = ['github', 'approvers', '--repo', REPO];
    const noRange = await cli([...args, '--run-id', RUN], { env: env() });
    expect([noRange.code, noRange.stderr]).toEqual([
      2,
      expect.stringMatching(/pass either --plan <file> or --head <sha>/),
    ]);
    const badSha = await cli([...args, '--run-id', RUN, '--head', 'main'], { env: env() });
    expect([badSha.code, badSha.stderr]).toEqual([
      2,
      expect.stringMatching(/--head is "main", expected a full 40-digit commit sha/),
    ]);
    const badRun = await cli([...args, '--run-id', 'x', '--head', sha(1)], { env: env() });
    expect(badRun.code).toBe(2);
    expect(github.requests).toEqual([]);
  });
});
