import type { z } from 'zod';
import type { FieldIssue, PathSegment } from './problem.js';
import { didYouMean, quotedList } from './suggest.js';

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/**
 * Zod issues rewritten for someone editing YAML: which field, what is wrong, what is expected.
 * `data` is the parsed file, read to describe what was found (never echoing free-form strings,
 * which may hold secrets).
 */
export function schemaIssues(issues: readonly Issue[], root: Schema, data: unknown): FieldIssue[] {
  return issues.flatMap((issue) => describe(issue, root, data));
}

function describe(issue: Issue, root: Schema, data: unknown): FieldIssue[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const found = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schemaAt(root, path));
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key' as const,
        message: `unknown key "${key}"${didYouMean(key, allowed)}${allowed.length ? `; allowed here: ${allowed.join(', ')}` : ''}`,
      }));
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0]?.message ?? issue.message;
      return [{ path, at: 'key', message: `key "${key}" is not allowed: ${inner}` }];
    }
    case 'invalid_type':
      return [{ path, message: typeMessage(issue.expected, found, path[path.length - 1]) }];
    case 'invalid_value': {
      const values = issue.values.map(String);
      const got = typeof found === 'string' && found.length <= 40 ? `"${found}"` : 'this value';
      const hint = typeof found === 'string' ? didYouMean(found, values) : '';
      return [{ path, message: `${got} is not one of ${quotedList(values)}${hint}` }];
    }
    case 'too_small':
      return [
        { path, message: boundMessage('at least', issue.origin, issue.minimum, issue.inclusive) },
      ];
    case 'too_big':
      return [
        { path, message: boundMessage('at most', issue.origin, issue.maximum, issue.inclusive) },
      ];
    default:
      return [{ path, message: issue.message }];
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeMessage(expected: string, found: unknown, key: PathSegment | undefined): string {
  const want = TYPE_NAMES[expected] ?? expected;
  if (found === undefined) {
    return typeof key === 'string'
      ? `is required: add ${key} here (${want})`
      : `is required (${want})`;
  }
  if (expected === 'int' && typeof found === 'number' && Number.isFinite(found)) {
    return Number.isInteger(found)
      ? `${found} is too large to be exact; expected a whole number below 2^53`
      : `${found} is not a whole number`;
  }
  if (expected === 'string' && typeof found === 'number') {
    // A YAML number is a float: amounts lose digits, account ids lose leading zeros.
    return `expected a string, got the number ${found}; put it in quotes ("${found}") so it is read exactly`;
  }
  return `expected ${want}, got ${kindOf(found)}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'an empty value (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number')
    return Number.isFinite(value) ? `the number ${value}` : String(value);
  if (typeof value === 'boolean') return `${value}`;
  return `a ${typeof value}`;
}

function boundMessage(
  word: 'at least' | 'at most',
  origin: string,
  bound: number | bigint,
  inclusive: boolean | undefined,
): string {
  switch (origin) {
    case 'array':
      return `must list ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'string':
      return bound === 1 && word === 'at least'
        ? 'must not be empty'
        : `must be ${word} ${bound} characters long`;
    default: {
      const op =
        word === 'at least' ? (inclusive === false ? '>' : '≥') : inclusive === false ? '<' : '≤';
      return `must be ${op} ${bound}`;
    }
  }
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Object.hasOwn(value, segment)
      ? (value as Record<PathSegment, unknown>)[segment]
      : undefined;
  }
  return value;
}

interface LooseDef {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  innerType?: Schema;
  in?: Schema;
  entries?: Record<string, string | number>;
}

const def = (schema: Schema) => schema._zod.def as unknown as LooseDef;

function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; hops < 20; hops++) {
    const d = def(current);
    const next = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!next) break;
    current = next;
  }
  return current;
}

/** The schema that validates the value at `path`, or undefined. */
function schemaAt(root: Schema, path: readonly PathSegment[]): Schema | undefined {
  let schema: Schema | undefined = unwrap(root);
  for (const segment of path) {
    if (!schema) return undefined;
    const d = def(schema);
    const next: Schema | undefined =
      d.type === 'object'
        ? d.shape?.[String(segment)]
        : d.type === 'array'
          ? d.element
          : d.type === 'record'
            ? d.valueType
            : undefined;
    schema = next && unwrap(next);
  }
  return schema;
}

function allowedKeys(schema: Schema | undefined): string[] {
  if (!schema) return [];
  const d = def(schema);
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'record' && d.keyType) {
    const entries = def(unwrap(d.keyType)).entries;
    return entries ? Object.values(entries).map(String) : [];
  }
  return [];
}
