/** One thing wrong with an environment file, located in the file. */
export interface Problem {
  /** The file as the caller named it. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Dotted field path like `networks[2].chainId`; '' when the problem is about the whole file. */
  path: string;
  /** What is wrong and what is expected. */
  message: string;
}

export type PathSegment = string | number;

/** A problem before it is located in the source: a field path and whether it is about the key or its value. */
export interface FieldIssue {
  path: PathSegment[];
  message: string;
  /** 'key' points at the mapping key itself (unknown keys); default 'value'. */
  at?: 'key' | 'value';
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['networks', 2, 'chainId']` -> `networks[2].chainId`; odd keys are quoted: `a["b c"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:col: field.path: message`, the shape editors and GitHub annotations understand. */
export function formatProblem(p: Problem): string {
  const field = p.path === '' ? '' : `${p.path}: `;
  return `${p.file}:${p.line}:${p.col}: ${field}${p.message}`;
}

export function fileProblem(file: string, message: string): Problem {
  return { file, line: 1, col: 1, path: '', message };
}
