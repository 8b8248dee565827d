/**
 * An exhaustive walk over a JSON-like value, for the property tests of what is hashed: every
 * leaf (string, number, boolean, bigint) with its path, and a copy with one leaf changed.
 */

export type Path = string[];

export interface Leaf {
  path: Path;
  value: string | number | boolean | bigint;
}

export function leaves(value: unknown, path: Path = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  if (['string', 'number', 'boolean', 'bigint'].includes(typeof value)) {
    return [{ path, value: value as Leaf['value'] }];
  }
  return [];
}

/** Every object key under `path`'s parent records (e.g. each network, role, override). */
export function keysAt(value: unknown, path: Path): string[] {
  const at = get(value, path);
  return at && typeof at === 'object' && !Array.isArray(at) ? Object.keys(at) : [];
}

export function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

/** A deep copy with `edit` applied to the parent of `path` (the copy's, never the original's). */
export function edited<T>(
  value: T,
  path: Path,
  edit: (parent: Record<string, unknown>, key: string) => void,
): T {
  const copy = structuredClone(value);
  const parent = get(copy, path.slice(0, -1)) as Record<string, unknown>;
  edit(parent, path[path.length - 1]!);
  return copy;
}

const ENUM_FLIPS: Record<string, unknown> = {
  kms: 'secrets-manager',
  'secrets-manager': 'kms',
  auto: false,
};

/** Another value of the same kind: +1 (wei, counts, ids), a flipped flag, another address or name. */
export function otherValue(value: Leaf['value']): Leaf['value'] | false {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'bigint') return value + 1n;
  if (value in ENUM_FLIPS) return ENUM_FLIPS[value] as Leaf['value'];
  if (/^\d+$/.test(value)) return (BigInt(value) + 1n).toString();
  if (/^0x[0-9a-fA-F]+$/.test(value)) return value.slice(0, -1) + (value.endsWith('1') ? '2' : '1');
  return `${value}x`;
}

/** A copy with the leaf at `path` changed to `otherValue`. */
export function withLeafChanged<T>(value: T, path: Path): T {
  return edited(value, path, (parent, key) => {
    parent[key] = otherValue(parent[key] as Leaf['value']);
  });
}

/** A copy with the object key at `path` renamed (a network, role or address named otherwise). */
export function withKeyRenamed<T>(value: T, path: Path): T {
  return edited(value, path, (parent, key) => {
    const renamed = String(otherValue(key));
    parent[renamed] = parent[key];
    delete parent[key];
  });
}

/** A copy without the entry at `path` (an array item or an object key). */
export function without<T>(value: T, path: Path): T {
  return edited(value, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  });
}
