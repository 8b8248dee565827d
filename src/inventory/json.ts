import { InputError } from '../errors.js';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON-safe copy, the project's one bigint-aware JSON form: bigints become decimal strings
 * (wei), undefined fields are dropped, `toJSON` is honoured (dates), key order is the
 * construction order (deterministic), so the same input prints the same text. A value JSON
 * cannot hold (NaN, a function) is refused instead of silently becoming null or vanishing.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (typeof value === 'bigint') return value.toString(10);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError(`cannot render ${value} as JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item ?? null));
  if (typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return toJsonValue((value.toJSON as () => unknown).call(value)); // a Date: its ISO string
  }
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = toJsonValue(item);
    }
    return out;
  }
  throw new InputError(`cannot render a ${typeof value} as JSON`);
}
