import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The layers of src/, top first. A module imports only from a lower layer, from its own
 * directory, or from FOUNDATION; modules of one layer in different directories may import each
 * other only when that adds no cycle between those directories, and entries never import one
 * another. Every directory under src/ must be in a layer, so a new one is placed deliberately.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['src/cli', 'src/actions', 'src/index.ts'],
  ['src/jobs'],
  ['src/report', 'src/keymaster', 'src/agents'],
  ['src/plan'],
  ['src/signer'],
  ['src/aws', 'src/github', 'src/notify', 'src/eth'],
  ['src/inventory'],
  ['src/config'],
];

/** Modules usable from every layer; they import only one another. */
export const FOUNDATION: readonly string[] = [
  'src/errors.ts',
  'src/redact.ts',
  'src/progress.ts',
  'src/pool.ts',
];

/**
 * Violations tolerated while a change that removes them is under way: none today. An entry needs
 * a comment naming that change; the check fails on an entry that no longer occurs, so the list
 * only shrinks.
 */
export const KNOWN_VIOLATIONS: readonly string[] = [];

export interface ImportEdge {
  from: string;
  to: string;
}

/** Every relative import (static, dynamic, type-only and re-export) of every .ts file in src/. */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(path.join(root, 'src'))) {
    const from = path.relative(root, file).split(path.sep).join('/');
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), fileName));
      edges.push({ from, to: to.replace(/\.js$/, '.ts') });
    }
  }
  return edges;
}

/** The modules of src/ with an `export … from` statement (a re-export facade), sorted. */
export function reexportingModules(root: string): string[] {
  return tsFiles(path.join(root, 'src'))
    .filter((file) => {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
      return source.statements.some((s) => ts.isExportDeclaration(s) && s.moduleSpecifier);
    })
    .map((file) => path.relative(root, file).split(path.sep).join('/'))
    .sort();
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface Place {
  /** 0 is the top layer; FOUNDATION is below every layer. */
  level: number;
  /** The layer member the module belongs to (a directory, or a file such as src/index.ts). */
  unit: string;
}

function placeOf(module: string, layers: readonly (readonly string[])[]): Place | undefined {
  if (FOUNDATION.includes(module)) return { level: layers.length, unit: module };
  for (const [level, members] of layers.entries()) {
    for (const unit of members) {
      if (module === unit || module.startsWith(`${unit}/`)) return { level, unit };
    }
  }
  return undefined;
}

/** The layer rule's violations, as sorted one-line descriptions. Pure: edges in, strings out. */
export function layerViolations(
  edges: readonly ImportEdge[],
  layers: readonly (readonly string[])[] = LAYERS,
): string[] {
  const found = new Set<string>();
  const sameLevel = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const source = placeOf(from, layers);
    const target = placeOf(to, layers);
    if (!source) found.add(`not in a layer: ${from}`);
    if (!target) found.add(`not in a layer: ${to}`);
    if (!source || !target || source.unit === target.unit) continue;
    if (FOUNDATION.includes(from) && !FOUNDATION.includes(to)) {
      found.add(`foundation imports: ${from} -> ${to}`);
    } else if (target.level < source.level) found.add(`climbs: ${from} -> ${to}`);
    else if (target.level === source.level && source.level === 0) {
      found.add(`entry imports entry: ${from} -> ${to}`);
    } else if (target.level === source.level) {
      const targets = sameLevel.get(source.unit) ?? new Set<string>();
      sameLevel.set(source.unit, targets.add(target.unit));
    }
  }
  for (const cycle of cycles(sameLevel)) found.add(`directory cycle: ${cycle}`);
  for (const cycle of cycles(capabilityGraph(edges, layers)))
    found.add(`capability cycle: ${cycle}`);
  const files = new Map<string, Set<string>>();
  for (const { from, to } of edges) files.set(from, (files.get(from) ?? new Set()).add(to));
  for (const cycle of cycles(files)) found.add(`cycle: ${cycle}`);
  return [...found].sort();
}

/**
 * The capability of a module: the folder directly below its layer's directory (src/plan/keys,
 * src/keymaster/send), or that directory itself for the files at its top (src/plan: the loop and
 * the Change type every capability shares). Undefined for a module outside every layer.
 */
export function capabilityOf(
  module: string,
  layers: readonly (readonly string[])[] = LAYERS,
): string | undefined {
  const place = placeOf(module, layers);
  if (!place || place.unit === module) return place?.unit;
  const rest = module.slice(place.unit.length + 1).split('/');
  return rest.length > 1 ? `${place.unit}/${rest[0]}` : place.unit;
}

/**
 * Imports between the capability folders of one layer directory, so that the folders inside it
 * layer too: src/keymaster/run may use src/keymaster/send, which then may not use run. The files
 * at the directory's top (the shared core) may be used by every folder.
 */
function capabilityGraph(
  edges: readonly ImportEdge[],
  layers: readonly (readonly string[])[],
): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const source = placeOf(from, layers);
    const target = placeOf(to, layers);
    if (!source || !target || source.unit !== target.unit) continue;
    const a = capabilityOf(from, layers);
    const b = capabilityOf(to, layers);
    const folders = a !== source.unit && b !== source.unit;
    if (a && b && a !== b && folders) graph.set(a, (graph.get(a) ?? new Set()).add(b));
  }
  return graph;
}

/**
 * One cycle per strongly connected component of more than one node (Tarjan), written from its
 * smallest node along the smallest next step, so the text is stable.
 */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => shortestCycle(graph, new Set(component)));
}

/** The shortest cycle through the smallest member of a component, neighbours in sorted order. */
function shortestCycle(
  graph: ReadonlyMap<string, ReadonlySet<string>>,
  members: ReadonlySet<string>,
): string {
  const start = [...members].sort()[0]!;
  const parent = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = parent.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(' -> ');
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...members].sort().join(' <-> ');
}
