import type { IssuesApi, TrackedIssue } from './issues.js';

/**
 * One open issue per condition (the Keymaster of an environment, its applies, its drift), found
 * again by a hidden marker in its body. Only issues the toolkit's bot opened are believed: anyone
 * who may open an issue can paste a marker.
 */

export interface Tracking {
  label: string;
  /** `<!-- nomad-agent-ops:… -->`, in the body of the issue. */
  marker: string;
  title: string;
  botLogin: string;
}

export async function findTrackingIssue(
  api: IssuesApi,
  t: Tracking,
): Promise<TrackedIssue | undefined> {
  const open = await api.listOpen(t.label);
  return open
    .filter(
      (i) => i.body.includes(t.marker) && i.author.type === 'Bot' && i.author.login === t.botLogin,
    )
    .sort((a, b) => a.number - b.number)[0];
}

export type NoteAction = 'opened' | 'commented' | 'already-noted';

/**
 * Adds a note to the tracking issue (opening it with the note when none is open), unless a note
 * with the same fingerprint is already there: a condition that lasts (a stale Keymaster checked
 * every half hour) is noted once, not every check.
 */
export async function noteOnTrackingIssue(
  api: IssuesApi,
  t: Tracking,
  note: string,
  fingerprint: string,
  intro: string,
): Promise<{ issue: TrackedIssue; action: NoteAction }> {
  const stamp = `<!-- nomad-agent-ops:note:${fingerprint} -->`;
  const existing = await findTrackingIssue(api, t);
  if (!existing) {
    const body = `${t.marker}\n${stamp}\n${intro}\n\n${note}`;
    await api.ensureLabel(t.label);
    return { issue: await api.create(t.title, body, t.label), action: 'opened' };
  }
  if (existing.body.includes(stamp)) return { issue: existing, action: 'already-noted' };
  const notes = await api.botComments(existing.number, t.botLogin);
  if (notes.some((b) => b.includes(stamp))) return { issue: existing, action: 'already-noted' };
  await api.comment(existing.number, `${stamp}\n${note}`);
  return { issue: existing, action: 'commented' };
}

export type SetAction = 'opened' | 'updated' | 'unchanged';

/** Makes the tracking issue's body `body` (with the marker): opened, updated, or left as is. */
export async function setTrackingIssue(
  api: IssuesApi,
  t: Tracking,
  body: string,
): Promise<{ issue: TrackedIssue; action: SetAction }> {
  const full = `${t.marker}\n${body}`;
  const existing = await findTrackingIssue(api, t);
  if (!existing) {
    await api.ensureLabel(t.label);
    return { issue: await api.create(t.title, full, t.label), action: 'opened' };
  }
  if (existing.body === full) return { issue: existing, action: 'unchanged' };
  return { issue: await api.update(existing.number, { body: full }), action: 'updated' };
}

/** Closes the open tracking issue with a last comment; undefined when none was open. */
export async function closeTrackingIssue(
  api: IssuesApi,
  t: Tracking,
  note: string,
): Promise<TrackedIssue | undefined> {
  const existing = await findTrackingIssue(api, t);
  if (!existing) return undefined;
  await api.comment(existing.number, note);
  return api.update(existing.number, { state: 'closed' });
}

/** The body and the bot's comments of the open tracking issue, oldest first; [] when none is open. */
export async function trackingNotes(api: IssuesApi, t: Tracking): Promise<string[]> {
  const existing = await findTrackingIssue(api, t);
  if (!existing) return [];
  return [existing.body, ...(await api.botComments(existing.number, t.botLogin))];
}
