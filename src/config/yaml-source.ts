import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
} from 'yaml';
import { errorMessage } from '../errors.js';
import { type FieldIssue, formatPath, type PathSegment } from './problem.js';

/** A parsed YAML document with what is needed to turn field paths and offsets into line:col. */
export interface YamlSource {
  doc: Document;
  lines: LineCounter;
}

export interface Located {
  line: number;
  col: number;
  /** Dotted path, for problems found by offset (YAML errors). */
  path: string;
  message: string;
}

// yaml's own default: ample for anchors like &testnet, and an alias bomb is refused, not expanded.
const MAX_ALIAS_COUNT = 100;

export function parseYaml(text: string): YamlSource {
  const lines = new LineCounter();
  // prettyErrors off: pretty messages quote source lines, and a source line may hold a secret.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  return { doc, lines };
}

/** YAML syntax errors and warnings (duplicate keys, bad indentation, unknown tags…), located. */
export function yamlSyntaxProblems({ doc, lines }: YamlSource): Located[] {
  return [...doc.errors, ...doc.warnings].map((error) => {
    const offset = error.pos[0];
    const { line, col } = lines.linePos(offset);
    const path = formatPath(pathAtOffset(doc, offset));
    const message =
      error.code === 'DUPLICATE_KEY'
        ? 'this key appears twice in the same mapping; YAML keys must be unique — keep one'
        : error.code === 'TAG_RESOLVE_FAILED'
          ? `${error.message}; environment files use plain YAML values, remove the tag`
          : `YAML syntax: ${error.message}`;
    return { line, col, path, message };
  });
}

/**
 * The document as plain data, or the aliases that stop it from being one (an alias to an anchor
 * that is not defined before it, or so many aliases that expanding them is a resource attack).
 */
export function toData(
  source: YamlSource,
): { ok: true; data: unknown } | { ok: false; problems: Located[] } {
  const { doc, lines } = source;
  const unresolved: Located[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined) {
        const { line, col } = lines.linePos(alias.range?.[0] ?? 0);
        unresolved.push({
          line,
          col,
          path: formatPath(pathAtOffset(doc, alias.range?.[0] ?? 0)),
          message: `alias *${alias.source} refers to no anchor; define &${alias.source} before using it`,
        });
      }
    },
  });
  if (unresolved.length > 0) return { ok: false, problems: unresolved };
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    const message = errorMessage(error);
    return {
      ok: false,
      problems: [{ line: 1, col: 1, path: '', message: `cannot read the YAML: ${message}` }],
    };
  }
}

/** Where a field issue points: the value (or key) if it exists, else the nearest enclosing key. */
export function locate(
  { doc, lines }: YamlSource,
  issue: FieldIssue,
): { line: number; col: number } {
  const offset = offsetOf(doc, issue.path, issue.at ?? 'value');
  return lines.linePos(offset);
}

function offsetOf(doc: Document, path: readonly PathSegment[], at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  // Offset of the key holding the current node: where a missing child is reported.
  let holder = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    node = deref(doc, node);
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment));
      if (!pair) return holder;
      const keyStart = rangeStart(pair.key) ?? holder;
      if (last && at === 'key') return keyStart;
      holder = keyStart;
      node = pair.value;
      if (node === null || node === undefined) return keyStart;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return holder;
      holder = rangeStart(item) ?? holder;
      node = item;
    } else {
      return holder;
    }
  }
  return rangeStart(deref(doc, node)) ?? holder;
}

function deref(doc: Document, node: unknown): unknown {
  // Follow aliases to the anchored node: that is where the text to fix is.
  for (let hops = 0; isAlias(node) && hops < 100; hops++) node = node.resolve(doc);
  return node;
}

function findPair(doc: Document, map: { items: Pair[] }, key: string): Pair | undefined {
  const direct = map.items.find((pair) => keyText(pair.key) === key);
  if (direct) return direct;
  // `<<: *anchor` merge keys: the field lives in the merged mapping(s).
  for (const pair of map.items) {
    if (keyText(pair.key) !== '<<') continue;
    const value = deref(doc, pair.value);
    const sources = isSeq(value) ? value.items.map((item) => deref(doc, item)) : [value];
    for (const source of sources) {
      if (isMap(source)) {
        const found = findPair(doc, source, key);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** The field path of the deepest node whose source range holds `offset` (for YAML errors). */
export function pathAtOffset(doc: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (let depth = 0; depth < 64; depth++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && contains(p.key, p.value, offset));
      const key = pair && keyText(pair.key);
      if (!pair || key === undefined) break;
      path.push(key);
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, item, offset));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else break;
  }
  return path;
}

function contains(from: unknown, to: unknown, offset: number): boolean {
  const start = rangeStart(from);
  const end =
    (to as Node | null | undefined)?.range?.[2] ?? (from as Node | null | undefined)?.range?.[2];
  return start !== undefined && end !== undefined && start <= offset && offset < end;
}
