import { createHash } from 'node:crypto';
import { InventoryError } from './errors.js';

/**
 * Canonical JSON and its sha256: how plans and funding settings are hashed, so two renderings of
 * the same content (key order, bigints) compare equal and any other change does not.
 *
 * Content is never dropped because of a key's name: a network, tag or role may be called `time`,
 * `date` or `createdAt`, and its content is hashed like any other. A document's own moments (when
 * it was made) are left out only by their exact path from the root, which the caller names
 * (`omit`). A value that JSON cannot carry faithfully (a function, a symbol, NaN, a Map) is an
 * error rather than something that silently hashes like `null` or `{}`.
 */

/** The keys from the root to one field, e.g. `['generatedAt']` or `['run', 'startedAt']`. */
export type JsonPath = readonly string[];

function omitted(path: readonly string[], omit: readonly JsonPath[]): boolean {
  return omit.some((p) => p.length === path.length && p.every((key, i) => key === path[i]));
}

function unsupported(path: readonly string[], what: string): never {
  throw new InventoryError(
    `cannot hash ${path.length ? path.join('.') : 'the document'}: ${what} has no canonical JSON form`,
  );
}

function canonicalValue(value: unknown, path: string[], omit: readonly JsonPath[]): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : unsupported(path, `the number ${value}`);
  }
  if (Array.isArray(value)) {
    // Paths name object keys; array items are content (an undefined item is JSON's null).
    return value.map((v) => (v === undefined ? null : canonicalValue(v, path, [])));
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      unsupported(path, `a ${value.constructor?.name ?? 'class'} instance`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      const at = [...path, key];
      if (v === undefined || omitted(at, omit)) continue;
      out[key] = canonicalValue(v, at, omit);
    }
    return out;
  }
  return unsupported(path, `a ${typeof value}`);
}

/**
 * JSON with object keys in code-point order, no whitespace, no undefined; bigints as decimal
 * strings, dates as ISO strings; the fields at the `omit` paths (exact, from the root) left out.
 */
export function canonicalJson(value: unknown, omit: readonly JsonPath[] = []): string {
  return JSON.stringify(canonicalValue(value, [], omit));
}

/** The full sha256 (64 hex digits) of the canonical JSON of `value` (see `canonicalJson`). */
export function canonicalSha256(value: unknown, omit: readonly JsonPath[] = []): string {
  return createHash('sha256').update(canonicalJson(value, omit)).digest('hex');
}

/** How a full hash is shown to people: its first 12 hex digits. Never compared in this form. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
