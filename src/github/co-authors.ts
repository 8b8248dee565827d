import type { GithubPerson } from './person.js';

/**
 * The co-authors a commit message credits in `Co-authored-by: Name <email>` trailers (GitHub's
 * convention, matched case-insensitively as git does). GitHub's API does not resolve them to
 * accounts, so an account is known only from the email GitHub gives every user:
 * `{id}+{login}@users.noreply.github.com` (id and login) or `{login}@users.noreply.github.com`
 * (older accounts, login only). Any other email stays a bare identity (name and email).
 */
const TRAILER = /^co-authored-by:[ \t]*(.*?)[ \t]*<([^<>\s]+)>[ \t]*$/gim;
const NOREPLY = /^(?:(\d+)\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$/i;

export function coAuthorsOf(message: string): GithubPerson[] {
  const people: GithubPerson[] = [];
  for (const [, name, email] of message.matchAll(TRAILER)) {
    const noreply = NOREPLY.exec(email!);
    people.push({
      ...(name ? { name } : {}),
      email: email!,
      ...(noreply ? { login: noreply[2]! } : {}),
      ...(noreply?.[1] ? { id: Number(noreply[1]) } : {}),
    });
  }
  return people;
}
