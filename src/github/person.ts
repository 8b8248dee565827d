/** A GitHub account as the API shows it, or a bare git identity (no account: no login). */
export interface GithubPerson {
  login?: string;
  id?: number;
  name?: string;
  email?: string;
}
