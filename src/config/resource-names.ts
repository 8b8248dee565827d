import type { FieldIssue, PathSegment } from './problem.js';
import { ENVIRONMENT_NAMES } from './names.js';
import { isRecord, type Raw } from './raw.js';

/**
 * The names an environment file gives to AWS resources, checked where the file is read (so
 * `validate` and every command report them as `file:line:col: field: …` before any AWS call):
 * the rules IAM and S3 apply to names, and ownership — a file names only its own environment's
 * resources, never another environment's (DESIGN §5) nor the account-wide kms-admin as its
 * signer principal. The inventory's `checkIamName` and `checkBucketName` use the same rules.
 */

const IAM_LIMITS = { user: 64, role: 64, group: 128, policy: 128 } as const;
export type IamNameKind = keyof typeof IAM_LIMITS;

/** What is wrong with an IAM user, group, role or policy name; undefined when IAM accepts it. */
export function iamNameProblem(kind: IamNameKind, name: string): string | undefined {
  const max = IAM_LIMITS[kind];
  if (name.length === 0 || name.length > max) {
    return `IAM ${kind} name "${name}" is ${name.length} characters; it must be 1 to ${max}`;
  }
  if (!/^[A-Za-z0-9+=,.@_-]+$/.test(name)) {
    return `IAM ${kind} name "${name}" may only contain letters, digits and + = , . @ _ -`;
  }
  return undefined;
}

/** What is wrong with an S3 general purpose bucket name; empty when S3 accepts it. */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push('must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]+$/.test(name)) {
    problems.push('may only contain lower-case letters, digits, "." and "-"');
  }
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name))
    problems.push('must start and end with a letter or digit');
  if (name.includes('..')) problems.push('must not contain two adjacent periods');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push('must not look like an IP address');
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) problems.push(`must not start with "${prefix}"`);
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) problems.push(`must not end with "${suffix}"`);
  }
  // Virtual-hosted HTTPS requests (the bridge GUI's fetch) fail on dotted names: the wildcard
  // certificate covers one label only.
  if (name.includes('.')) problems.push('must not contain "." (HTTPS to the bucket would fail)');
  return problems;
}

/**
 * The environment a name belongs to by the naming scheme, when it is not `own`: a name with
 * another environment's name as one of its words (`production-signer`, `nomad-signer-production`,
 * `nomadxyz-production-proofs`, `nomad-ops-production-apply`).
 */
export function otherOwner(own: string, name: string): string | undefined {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  return ENVIRONMENT_NAMES.find((env) => env !== own && words.includes(env));
}

const ACCOUNT_WIDE = 'kms-admin';

/** What S3 refuses in a CORS origin; undefined when it accepts it. Shared with the inventory. */
export function corsOriginProblem(origin: string): string | undefined {
  if (origin.trim() === '') return 'is empty: give an origin like https://app.nomad.xyz, or "*"';
  if ((origin.match(/\*/g) ?? []).length > 1) {
    return `"${origin.length > 100 ? `${origin.slice(0, 100)}…` : origin}" has more than one "*"; S3 allows one wildcard per origin`;
  }
  return undefined;
}

export function resourceNameIssues(data: Raw): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const env = typeof data.environment === 'string' ? data.environment : undefined;
  const iam = isRecord(data.iam) ? data.iam : {};
  const owned = (path: PathSegment[], name: string, what: string) => {
    const owner = env ? otherOwner(env, name) : undefined;
    if (owner) {
      issues.push({
        path,
        message: `"${name}" is ${owner}'s ${what} by the naming scheme; the ${env} file may name only ${env}'s resources (nothing is written, adopted or pruned across environments): remove the line to get ${env}'s default`,
      });
    }
  };

  for (const [field, kind] of [
    ['signerUser', 'user'],
    ['signerGroup', 'group'],
    ['adminUser', 'user'],
    ['adminGroup', 'group'],
  ] as const) {
    const name = iam[field];
    if (typeof name !== 'string') continue;
    const path = ['iam', field];
    const problem = iamNameProblem(kind, name);
    if (problem) {
      issues.push({ path, message: `${problem}` });
      continue;
    }
    owned(path, name, `IAM ${kind}`);
    if (field.startsWith('signer') && name === ACCOUNT_WIDE) {
      issues.push({
        path,
        message: `"${name}" is the account-wide key administrator, shared by every environment; an environment's signer ${kind} must be its own`,
      });
    }
  }

  const bucket = isRecord(data.proofsBucket) ? data.proofsBucket : {};
  if (typeof bucket.name === 'string') {
    const problems = bucketNameProblems(bucket.name);
    if (problems.length > 0) {
      issues.push({
        path: ['proofsBucket', 'name'],
        message: `S3 bucket name "${bucket.name}" ${problems.join('; ')}`,
      });
    } else owned(['proofsBucket', 'name'], bucket.name, 'proofs bucket');
  }
  if (Array.isArray(bucket.corsOrigins)) {
    if (bucket.corsOrigins.length === 0) {
      issues.push({
        path: ['proofsBucket', 'corsOrigins'],
        message: 'is empty; the bridge GUI could not fetch proofs: list its origin, or "*"',
      });
    }
    const seen = new Set<unknown>();
    bucket.corsOrigins.forEach((origin, i) => {
      const path = ['proofsBucket', 'corsOrigins', i];
      // An empty string is the schema's to report.
      const problem = typeof origin === 'string' && origin ? corsOriginProblem(origin) : undefined;
      if (problem) {
        issues.push({ path, message: problem });
      } else if (seen.has(origin)) {
        issues.push({ path, message: `${JSON.stringify(origin)} is listed twice; list each once` });
      } else if (origin === '*' && bucket.corsOrigins !== undefined && seen.size > 0) {
        issues.push({ path, message: '"*" allows every origin: list it alone' });
      }
      seen.add(origin);
    });
  }
  return issues;
}
