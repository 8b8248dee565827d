import type { FieldIssue, PathSegment } from './problem.js';

/**
 * The longest string an environment file may hold. Every value of the file becomes a name, a tag,
 * a policy line, a CORS origin or a URL variable's name, each with an AWS limit of a few hundred
 * characters at most (an S3 CORS configuration 64 KB in all, an IAM policy 6,144): a longer string
 * is a mistake, refused here with its field rather than by AWS in the middle of an apply.
 */
export const MAX_STRING_LENGTH = 2048;

/** Every string of the parsed file longer than MAX_STRING_LENGTH, by its path. */
export function longStringIssues(data: unknown, path: PathSegment[] = []): FieldIssue[] {
  if (typeof data === 'string') {
    return data.length > MAX_STRING_LENGTH
      ? [
          {
            path,
            message: `is ${data.length} characters long; a value of an environment file is at most ${MAX_STRING_LENGTH}`,
          },
        ]
      : [];
  }
  if (Array.isArray(data)) return data.flatMap((item, i) => longStringIssues(item, [...path, i]));
  if (data && typeof data === 'object') {
    return Object.entries(data as Record<string, unknown>).flatMap(([key, value]) => [
      ...(key.length > MAX_STRING_LENGTH
        ? [
            {
              path: [...path, key.slice(0, 40)],
              at: 'key' as const,
              message: `this key is ${key.length} characters long; at most ${MAX_STRING_LENGTH}`,
            },
          ]
        : []),
      ...longStringIssues(value, [...path, key]),
    ]);
  }
  return [];
}
