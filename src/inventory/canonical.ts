import { createHash } from 'node:crypto';

/**
 * Canonical JSON and its sha256: how plans and funding settings are hashed, so two renderings of
 * the same content (key order, bigints, timestamps) compare equal and any other change does not.
 */

/** Keys that carry a moment rather than content: two plans of the same change must hash alike. */
const TIME_KEYS = new Set([
  'startedAt',
  'finishedAt',
  'generatedAt',
  'createdAt',
  'updatedAt',
  'timestamp',
  'time',
  'date',
]);

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalValue(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || TIME_KEYS.has(key)) continue;
      out[key] = canonicalValue(v);
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** JSON with object keys in code-point order, no whitespace, no undefined, no timestamps. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

/** The full sha256 (64 hex digits) of the canonical JSON of `value`. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** How a full hash is shown to people: its first 12 hex digits. Never compared in this form. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
