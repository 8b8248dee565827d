/**
 * IAM and S3 policy documents compared as documents, not as text.
 *
 * Real IAM returns documents URL-encoded (moto returns them plain); S3 returns bucket policies
 * plain but may reformat them. Two documents are equal here when their canonical forms are
 * equal. What canonicalisation treats as the same (each is the same under IAM's evaluation):
 * - key order in every object;
 * - `Statement` as a single object or a one-element array;
 * - the order of statements (IAM evaluates all of them; an explicit Deny wins regardless);
 * - in `Action`, `NotAction`, `Resource`, `NotResource`, in each `Principal`/`NotPrincipal`
 *   entry and in each condition value: a single string or a one-element array, item order,
 *   and duplicate items (they are sets);
 * - whitespace and URL encoding of the document text.
 * What stays different, on purpose (a changed `Sid`, a missing `Version`, the case of an
 * action name, `"Principal": "*"` vs `{"AWS": "*"}`): these are either semantically different
 * or ambiguous, and showing a harmless update is safer than hiding a real one.
 */

import { OperationError, errorMessage } from '../errors.js';

export type PolicyJson =
  string | number | boolean | null | PolicyJson[] | { [key: string]: PolicyJson };

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
  [key: string]: unknown;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  NotPrincipal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
  [key: string]: unknown;
}

/** A policy document (usually one read from AWS) that cannot be parsed or compared. */
export class PolicyDocumentError extends OperationError {}

/** Fields whose values are sets of strings: a string equals a one-element array. */
const SET_FIELDS = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);
/** Fields whose object values map to sets of strings. */
const PRINCIPAL_FIELDS = new Set(['Principal', 'NotPrincipal']);

/** Reading order of keys in the rendered document; other keys follow alphabetically. */
const KEY_ORDER = [
  'Version',
  'Id',
  'Statement',
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];

/**
 * Parses a document as IAM or S3 returns it: plain JSON text, URL-encoded JSON text (real IAM),
 * or an already parsed object.
 */
export function parsePolicyDocument(input: string | object): PolicyJson {
  if (typeof input !== 'string') return input as PolicyJson;
  const text = input.trim();
  // Plain JSON starts with '{'; URL-encoded JSON starts with '%7B'. A plain document may
  // itself contain '%' (e.g. in a Sid), so decoding is only tried on the encoded form.
  const decoded = text.startsWith('{') ? text : safeDecode(text);
  try {
    return JSON.parse(decoded) as PolicyJson;
  } catch (error) {
    throw new PolicyDocumentError(
      `policy document is not valid JSON (${errorMessage(error)}); starts with: ${decoded.slice(0, 40)}`,
    );
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new PolicyDocumentError(
      `policy document is neither JSON nor URL-encoded JSON; starts with: ${text.slice(0, 40)}`,
    );
  }
}

/** The canonical form: equal canonical forms mean equal documents (see the module comment). */
export function canonicalPolicy(input: string | object): PolicyJson {
  const doc = parsePolicyDocument(input);
  if (!isObject(doc)) throw new PolicyDocumentError('policy document must be a JSON object');
  const out: Record<string, PolicyJson> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'Statement') {
      const statements = Array.isArray(value) ? value : [value];
      const canonical = statements.map(canonicalStatement);
      out[key] = uniqueSorted(canonical);
    } else {
      out[key] = sortKeys(value);
    }
  }
  return orderKeys(out);
}

function canonicalStatement(statement: PolicyJson): PolicyJson {
  if (!isObject(statement)) throw new PolicyDocumentError('each Statement must be a JSON object');
  const out: Record<string, PolicyJson> = {};
  for (const [key, value] of Object.entries(statement)) {
    if (SET_FIELDS.has(key)) out[key] = stringSet(value, key);
    else if (PRINCIPAL_FIELDS.has(key)) out[key] = canonicalPrincipal(value, key);
    else if (key === 'Condition') out[key] = canonicalCondition(value);
    else out[key] = sortKeys(value);
  }
  return orderKeys(out);
}

function canonicalPrincipal(value: PolicyJson, field: string): PolicyJson {
  if (typeof value === 'string') return value;
  if (!isObject(value)) throw new PolicyDocumentError(`${field} must be "*" or an object`);
  const out: Record<string, PolicyJson> = {};
  for (const [type, ids] of Object.entries(value)) out[type] = stringSet(ids, `${field}.${type}`);
  return orderKeys(out);
}

function canonicalCondition(value: PolicyJson): PolicyJson {
  if (!isObject(value)) throw new PolicyDocumentError('Condition must be an object');
  const out: Record<string, PolicyJson> = {};
  for (const [operator, entries] of Object.entries(value)) {
    if (!isObject(entries))
      throw new PolicyDocumentError(`Condition.${operator} must be an object`);
    const keys: Record<string, PolicyJson> = {};
    for (const [key, v] of Object.entries(entries)) {
      // Condition values are sets; IAM also accepts booleans and numbers, which it compares as strings.
      const values = Array.isArray(v) ? v : [v];
      keys[key] = uniqueSorted(values.map((x) => (isScalar(x) ? String(x) : sortKeys(x))));
    }
    out[operator] = orderKeys(keys);
  }
  return orderKeys(out);
}

function stringSet(value: PolicyJson, field: string): PolicyJson[] {
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'string') throw new PolicyDocumentError(`${field} must hold strings only`);
  }
  return uniqueSorted(items);
}

/** Sorts by canonical JSON text and drops duplicates. */
function uniqueSorted(items: PolicyJson[]): PolicyJson[] {
  const byText = new Map<string, PolicyJson>();
  for (const item of items) byText.set(JSON.stringify(item), item);
  return [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

function sortKeys(value: PolicyJson): PolicyJson {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const out: Record<string, PolicyJson> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sortKeys(v);
  return orderKeys(out);
}

function orderKeys(obj: Record<string, PolicyJson>): Record<string, PolicyJson> {
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i === -1 ? KEY_ORDER.length : i;
  };
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, PolicyJson> = {};
  for (const k of keys) out[k] = obj[k] as PolicyJson;
  return out;
}

function isObject(value: unknown): value is Record<string, PolicyJson> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: PolicyJson): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The canonical document as indented JSON: stable text for display and diffs. */
export function renderPolicy(input: string | object): string {
  return JSON.stringify(canonicalPolicy(input), null, 2);
}

export function samePolicy(a: string | object, b: string | object): boolean {
  return JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
}

/**
 * A unified line diff of two documents' canonical renderings: `-` lines only in `before`,
 * `+` lines only in `after`, up to `context` unchanged lines around each change, `…` for
 * skipped runs. Empty string when the documents are equal.
 */
export function diffPolicies(
  before: string | object | undefined,
  after: string | object | undefined,
  context = 3,
): string {
  const a = before === undefined ? [] : renderPolicy(before).split('\n');
  const b = after === undefined ? [] : renderPolicy(after).split('\n');
  return diffLines(a, b, context);
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Line diff by longest common subsequence (policy documents are small). */
export function diffLines(a: string[], b: string[], context = 3): string {
  const ops = lcsOps(a, b);
  if (ops.every((op) => op.kind === ' ')) return '';
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((op, i) => {
    if (op.kind === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++)
      keep[j] = true;
  });
  const out: string[] = [];
  let skipping = false;
  ops.forEach((op, i) => {
    if (keep[i]) {
      out.push(`${op.kind} ${op.line}`);
      skipping = false;
    } else if (!skipping) {
      out.push('  …');
      skipping = true;
    }
  });
  return out.join('\n');
}

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lengths[i][j] = LCS length of a[i..] and b[j..]
  const lengths: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lengths[i]!;
    const next = lengths[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! });
    } else {
      ops.push({ kind: '+', line: b[j++]! });
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! });
  while (j < m) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}
