import type { ChangeHistory, CommitPeople, RunApproval } from '../github/history.js';
import type { GithubPerson } from '../github/person.js';

/**
 * No self-approval, also through another person's run: whoever approved the gated deployment
 * must not have authored, committed, opened or merged any commit between the commit recorded on
 * the bank (the last apply) and the commit being applied. GitHub's "prevent self-review" only
 * excludes the person who triggered the run; this covers everyone whose change the run carries.
 * Pure: approvals and history in, decision out.
 *
 * - People are the same account by id when both sides have one, else by login (case-insensitive).
 * - A commit whose author or committer has no GitHub account (an email GitHub links to nobody)
 *   is accepted when it came through a merged pull request, whose opener and merger are checked
 *   (an approver who hides behind an unlinked email still needs someone else to open and merge
 *   it, who could as well have written it); one that came through no pull request (pushed to main
 *   directly) is refused: nobody accountable is known.
 * - No approval of the environment in the run (no required reviewers, or an administrator
 *   bypassed them) is refused.
 * - Co-authors named in `Co-authored-by:` trailers count as authors when the trailer identifies
 *   the approver: by GitHub's noreply email (id, else login), or by a name equal to the
 *   approver's login. A co-author with any other email cannot be tied to an account; as with an
 *   unlinked author, the committer and the pull request's opener and merger are accountable.
 */

export type Involvement =
  'authored' | 'co-authored' | 'committed' | 'opened the pull request of' | 'merged';

export interface SelfApproval {
  approver: string;
  commit: string;
  subject: string;
  involvement: Involvement[];
  pulls: number[];
}

export interface ApprovalDecision {
  ok: boolean;
  environment: string;
  approvers: string[];
  /** Commits in the range (after the recorded one, up to the planned one). */
  commits: number;
  selfApprovals: SelfApproval[];
  /** Commits no accountable account is known for (refused). */
  unaccounted: { commit: string; subject: string; who: string }[];
  /** Commits accepted though their author or committer has no account (came through a pull request). */
  unattributed: string[];
  message: string;
}

const key = (p: GithubPerson) => (p.login ?? '').toLowerCase();

function samePerson(a: GithubPerson, b: GithubPerson): boolean {
  if (typeof a.id === 'number' && typeof b.id === 'number') return a.id === b.id;
  return key(a) !== '' && key(a) === key(b);
}

/** A trailer's free-text name that is exactly the approver's login (case-insensitive). */
const namesLogin = (coAuthor: GithubPerson, approver: GithubPerson) =>
  key(approver) !== '' && (coAuthor.name ?? '').trim().toLowerCase() === key(approver);

const identity = (p: GithubPerson) =>
  p.login ??
  (p.email ? `${p.name ? `${p.name} ` : ''}<${p.email}>` : (p.name ?? 'someone unknown'));

const short = (sha: string) => sha.slice(0, 7);

function involvementOf(approver: GithubPerson, commit: CommitPeople) {
  const involvement = new Set<Involvement>();
  const pulls = new Set<number>();
  if (samePerson(approver, commit.author)) involvement.add('authored');
  if (commit.coAuthors.some((c) => samePerson(approver, c) || namesLogin(c, approver))) {
    involvement.add('co-authored');
  }
  if (samePerson(approver, commit.committer)) involvement.add('committed');
  for (const pull of commit.pulls) {
    if (pull.author && samePerson(approver, pull.author)) {
      involvement.add('opened the pull request of');
      pulls.add(pull.number);
    }
    if (pull.mergedBy && samePerson(approver, pull.mergedBy)) {
      involvement.add('merged');
      pulls.add(pull.number);
    }
  }
  return { involvement: [...involvement], pulls: [...pulls] };
}

export function decideApproval(input: {
  environment: string;
  approvals: RunApproval[];
  history: ChangeHistory;
}): ApprovalDecision {
  const { environment, history } = input;
  const approvals = input.approvals.filter(
    (a) => a.state === 'approved' && a.environments.includes(environment),
  );
  const approvers = [...new Set(approvals.map((a) => identity(a.user)))];
  const selfApprovals: SelfApproval[] = [];
  const unaccounted: ApprovalDecision['unaccounted'] = [];
  const unattributed: string[] = [];
  for (const commit of history.commits) {
    for (const approval of approvals) {
      const { involvement, pulls } = involvementOf(approval.user, commit);
      if (involvement.length > 0) {
        selfApprovals.push({
          approver: identity(approval.user),
          commit: commit.sha,
          subject: commit.subject,
          involvement,
          pulls,
        });
      }
    }
    const anonymous = [commit.author, commit.committer].filter((p) => !p.login);
    if (anonymous.length === 0) continue;
    if (commit.pulls.some((p) => p.author?.login && p.mergedBy?.login)) {
      unattributed.push(commit.sha);
    } else {
      unaccounted.push({
        commit: commit.sha,
        subject: commit.subject,
        who: anonymous.map(identity).join(', '),
      });
    }
  }
  const base = {
    environment,
    approvers,
    commits: history.commits.length,
    selfApprovals,
    unaccounted,
    unattributed,
  };
  return {
    ...base,
    ok: approvers.length > 0 && selfApprovals.length === 0 && unaccounted.length === 0,
    message: message(base, history),
  };
}

function rangeText(history: ChangeHistory, count: number): string {
  const head = short(history.head);
  if (history.base === null) {
    return `no commit is recorded on the bank, so every commit up to ${head} counts (${count})`;
  }
  if (!history.baseFound) {
    return `GitHub does not know the recorded commit ${short(history.base)}, so every commit up to ${head} counts (${count})`;
  }
  return `${count} commit${count === 1 ? '' : 's'} after the recorded ${short(history.base)} up to ${head}`;
}

function message(d: Omit<ApprovalDecision, 'ok' | 'message'>, history: ChangeHistory): string {
  const range = rangeText(history, d.commits);
  const lines: string[] = [];
  if (d.approvers.length === 0) {
    lines.push(
      `refusing to apply ${d.environment}: GitHub lists no approval of the ${d.environment} deployment in this run (no required reviewers, or an administrator bypassed them). Require reviewers on the environment and turn off admin bypass (nomad-ops github check says how), then run the workflow again`,
    );
  }
  for (const s of d.selfApprovals) {
    const pulls = s.pulls.length > 0 ? ` (${s.pulls.map((n) => `#${n}`).join(', ')})` : '';
    lines.push(
      `refusing to apply ${d.environment}: ${s.approver} approved it but ${s.involvement.join(' and ')} commit ${short(s.commit)} "${s.subject}"${pulls}, which this apply carries; a reviewer who wrote, committed or merged none of the changes must approve: run the workflow again and ask another reviewer`,
    );
  }
  for (const u of d.unaccounted) {
    lines.push(
      `refusing to apply ${d.environment}: commit ${short(u.commit)} "${u.subject}" is by ${u.who}, which no GitHub account has, and came through no merged pull request, so no approver can be shown not to have written it; link that email to its author's GitHub account (GitHub then attributes the commit) and run the workflow again`,
    );
  }
  if (lines.length > 0) return `${lines.join('\n')}\n(${range})`;
  const unattributed =
    d.unattributed.length > 0
      ? `; ${d.unattributed.length} commit(s) whose author has no GitHub account came through pull requests whose opener and merger were checked`
      : '';
  return `${d.approvers.join(', ')} approved ${d.environment} and wrote, committed and merged none of the ${range}${unattributed}`;
}

export function renderApprovalDecision(d: ApprovalDecision): string {
  const head = `### Approval check — \`${d.environment}\`\n\n`;
  const approvers = `Approved by: ${d.approvers.length > 0 ? d.approvers.join(', ') : 'nobody'}\n\n`;
  const body = d.message
    .split('\n')
    .map((line) => (line.startsWith('(') ? line : `${d.ok ? '✅' : '⛔'} ${line}`))
    .join('\n\n');
  return `${head}${approvers}${body}\n`;
}
