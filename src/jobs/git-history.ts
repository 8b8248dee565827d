import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { OperationError } from '../errors.js';

/**
 * The git history of a checkout, read with the `git` command: the adapter behind "is the recorded
 * commit on main's history" and "which merged commit is still waiting for approval". Reads only.
 */
export interface GitHistory {
  /** The checkout's top directory. */
  top: string;
  head(): { commit: string; committedAt: number };
  /** Whether `commit` exists here and is `HEAD` or one of its ancestors. */
  contains(commit: string): boolean;
  /** Commits after `from` up to HEAD that touched `file` (absolute path), oldest first. */
  commitsTouching(from: string, file: string): Array<{ commit: string; committedAt: number }>;
}

const COMMIT = /^[0-9a-f]{7,64}$/;

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  }).trim();
}

function exitStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** The history of the repository `dir` is in; undefined when it is not in one (or git is missing). */
export function gitHistoryAt(dir: string): GitHistory | undefined {
  let top: string;
  try {
    top = git(dir, ['rev-parse', '--show-toplevel']);
  } catch {
    return undefined;
  }
  return {
    top,
    head() {
      const [commit = '', seconds = '0'] = git(top, ['log', '-1', '--format=%H %ct', 'HEAD']).split(
        ' ',
      );
      return { commit, committedAt: Number(seconds) * 1000 };
    },
    contains(commit) {
      if (!COMMIT.test(commit)) return false;
      try {
        git(top, ['merge-base', '--is-ancestor', `${commit}^{commit}`, 'HEAD']);
        return true;
      } catch (error) {
        // 1: not an ancestor; 128: no such commit here. Either way it is not on this history.
        if (exitStatus(error) === 1 || exitStatus(error) === 128) return false;
        throw new OperationError(`git merge-base failed in ${top}: ${String(error)}`);
      }
    },
    commitsTouching(from, file) {
      const relative = path.relative(top, file).split(path.sep).join('/');
      const out = git(top, [
        'log',
        '--reverse',
        '--format=%H %ct',
        `${from}..HEAD`,
        '--',
        relative,
      ]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [commit = '', seconds = '0'] = line.split(' ');
          return { commit, committedAt: Number(seconds) * 1000 };
        });
    },
  };
}

/**
 * The commit a file's content comes from: HEAD, when the file is tracked there and unchanged in
 * the working tree; undefined otherwise (not in git, modified, untracked). What `keys apply` run
 * by hand records, so the Keymaster workflow can run it (when it is on main).
 */
export function committedHead(file: string): string | undefined {
  const history = gitHistoryAt(path.dirname(file));
  if (!history) return undefined;
  try {
    const relative = path.relative(history.top, file).split(path.sep).join('/');
    git(history.top, ['ls-files', '--error-unmatch', '--', relative]);
    if (git(history.top, ['status', '--porcelain', '--', relative]) !== '') return undefined;
    return history.head().commit || undefined;
  } catch {
    return undefined;
  }
}
