/**
 * CODEOWNERS as GitHub reads it: one rule a line (`pattern owner…`), gitignore-style patterns,
 * and the LAST matching rule decides; a matching rule without owners leaves the path unowned.
 * Pure: text in, owners out.
 */

export interface CodeownersRule {
  line: number;
  pattern: string;
  owners: string[];
  matches: (path: string) => boolean;
}

export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern) return;
    rules.push({ line: i + 1, pattern, owners, matches: patternMatcher(pattern) });
  });
  return rules;
}

/** The owners of `path` (relative to the repository root, no leading slash); [] when none. */
export function ownersOf(
  rules: CodeownersRule[],
  path: string,
): { owners: string[]; line?: number } {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.matches(path)) return { owners: rule.owners, line: rule.line };
  }
  return { owners: [] };
}

/**
 * gitignore semantics as GitHub applies them to CODEOWNERS: a leading `/` or a `/` inside
 * anchors the pattern at the root, otherwise it matches at any depth; a trailing `/` matches a
 * directory's contents; a pattern that names a directory also covers everything below it, except
 * that a wildcard last segment (`docs/*`) matches direct entries only; `*` stays within a path
 * segment, `**` crosses them.
 */
function patternMatcher(pattern: string): (path: string) => boolean {
  let p = pattern;
  const directoryOnly = p.endsWith('/');
  if (directoryOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  let body = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      const slash = p[i + 2] === '/';
      body += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else body += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A match on a directory covers what is below it, and a directory-only pattern needs something
  // below; but a wildcard last segment (`docs/*`) matches direct entries only, as GitHub documents.
  const last = p.split('/').pop() ?? '';
  const wildcardLast = last.includes('*') && last !== '**';
  const suffix = directoryOnly ? '/.*$' : wildcardLast ? '$' : '(?:/.*)?$';
  const re = new RegExp(prefix + body + suffix);
  return (path) => re.test(path.replace(/^\/+/, ''));
}
