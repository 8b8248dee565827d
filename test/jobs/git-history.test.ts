/**
 * The git adapter behind "is the recorded commit on main's history", "which merged commit waits"
 * and the commit a hand-run `keys apply` records, on real repositories in temporary directories.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedHead, gitHistoryAt } from '../../src/jobs/git-history.js';
import { commitAll } from '../workflows/rehearse.js';

function repository() {
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-git-'));
  mkdirSync(path.join(dir, 'environments'));
  const file = path.join(dir, 'environments/staging.yaml');
  return { dir, file };
}

describe('gitHistoryAt', () => {
  it('knows which commits are on HEAD’s history and which commits touched a file', () => {
    const { dir, file } = repository();
    writeFileSync(file, 'a: 1\n');
    const first = commitAll(dir, 'first');
    writeFileSync(path.join(dir, 'other.txt'), 'x');
    const unrelated = commitAll(dir, 'unrelated');
    writeFileSync(file, 'a: 2\n');
    const second = commitAll(dir, 'second');
    execFileSync('git', ['checkout', '-q', '-b', 'side', first], { cwd: dir });
    writeFileSync(file, 'a: 3\n');
    const side = commitAll(dir, 'side');
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: dir });

    const history = gitHistoryAt(dir)!;
    expect(history.head().commit).toBe(second);
    for (const c of [first, unrelated, second, first.slice(0, 12)])
      expect(history.contains(c)).toBe(true);
    expect(history.contains(side)).toBe(false);
    expect(history.contains('f'.repeat(40))).toBe(false); // not in this repository
    expect(history.contains('not a commit')).toBe(false);
    expect(history.commitsTouching(first, file).map((c) => c.commit)).toEqual([second]);
    expect(gitHistoryAt(mkdtempSync(path.join(tmpdir(), 'nomad-no-git-')))).toBeUndefined();
  });
});

describe('committedHead', () => {
  it('is HEAD only while the file is tracked and unchanged', () => {
    const { dir, file } = repository();
    writeFileSync(file, 'a: 1\n');
    expect(committedHead(file)).toBeUndefined(); // not in git yet
    const head = commitAll(dir, 'first');
    expect(committedHead(file)).toBe(head);
    writeFileSync(file, 'a: 2\n');
    expect(committedHead(file)).toBeUndefined(); // modified
    const untracked = path.join(dir, 'environments/production.yaml');
    writeFileSync(untracked, 'a: 1\n');
    expect(committedHead(untracked)).toBeUndefined();
  });
});
