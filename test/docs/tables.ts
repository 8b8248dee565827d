import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';

/**
 * What the code declares that a reader's tables describe, read from the code itself (so a
 * metric, an input or a workflow added anywhere is checked without touching these tests), and
 * the tables of the docs as data.
 */

export interface MetricDecl {
  name: string;
  help: string;
  labels: string[];
  file: string;
}

function walk(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return walk(full, ext);
    return e.name.endsWith(ext) ? [full] : [];
  });
}

function stringOf(node: ts.Expression | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const [l, r] = [stringOf(node.left), stringOf(node.right)];
    return l !== undefined && r !== undefined ? l + r : undefined;
  }
  return undefined;
}

const METRIC_CLASSES = new Set(['Gauge', 'Counter', 'Histogram', 'Summary']);

/**
 * Every prom-client metric constructed under `root` (`new Gauge({ name, help, labelNames })`),
 * parsed with the TypeScript compiler. A name that is not a literal is an error: the docs
 * could not be checked against it.
 */
export function metricDeclarations(root: string): MetricDecl[] {
  const found: MetricDecl[] = [];
  for (const file of walk(root, '.ts')) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const visit = (node: ts.Node): void => {
      if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        METRIC_CLASSES.has(node.expression.text) &&
        node.arguments?.[0] &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const props = new Map<string, ts.Expression>();
        for (const p of node.arguments[0].properties) {
          if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) {
            props.set(p.name.text, p.initializer);
          }
        }
        const name = stringOf(props.get('name'));
        const help = stringOf(props.get('help'));
        const where = `${path.relative(path.dirname(root), file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
        if (name === undefined || help === undefined) {
          throw new Error(`${where}: a metric whose name or help is not a string literal`);
        }
        const labelNode = props.get('labelNames');
        const labels =
          labelNode && ts.isArrayLiteralExpression(labelNode)
            ? labelNode.elements.map((e) => stringOf(e) ?? '?')
            : [];
        found.push({ name, help, labels, file: where });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The rows of the first markdown table after `heading` (cells trimmed, header and rule dropped). */
export function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) {
      inTable = true;
      rows.push(
        line
          .replace(/^\||\|$/g, '')
          .split(/(?<!\\)\|/)
          .map((c) => c.trim().replace(/\\\|/g, '|')),
      );
    } else if (inTable || /^#{1,6} /.test(line)) break;
  }
  return rows.slice(2);
}

/** The `code` spans of a markdown cell. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

export interface WorkflowDispatch {
  file: string;
  inputs: string[];
}

/** Each workflow and the `workflow_dispatch` inputs it takes (none when it cannot be dispatched). */
export function workflowDispatchInputs(root: string): WorkflowDispatch[] {
  const dir = path.join(root, '.github', 'workflows');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      // YAML 1.1 readers take a bare `on` for true; the yaml package keeps it a string.
      const on = (doc.on ?? doc.true) as Record<string, unknown> | string[] | string | undefined;
      const dispatch =
        on && typeof on === 'object' && !Array.isArray(on)
          ? (on.workflow_dispatch as { inputs?: Record<string, unknown> } | null | undefined)
          : undefined;
      return { file, inputs: Object.keys(dispatch?.inputs ?? {}) };
    });
}

/**
 * Where a doc names a workflow input that no workflow has: in a sentence that mentions
 * `workflow_dispatch` or `gh workflow run`, each `-f name=…`/`--field name=…`, each
 * "input `name`"/"`name` input" and each "mode `value`" (the form the runbooks used before the
 * inputs were renamed). Sentences naming a workflow file are checked against that file's inputs.
 */
export function dispatchMentionProblems(
  file: string,
  markdown: string,
  workflows: WorkflowDispatch[],
): string[] {
  const problems: string[] = [];
  // Sentences, keeping code blocks' lines whole (a `gh workflow run` line is one sentence).
  const text = markdown.replace(/\n(?!\n)/g, ' ');
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    if (!/workflow_dispatch|gh workflow run/.test(sentence)) continue;
    const named = workflows.filter((w) => sentence.includes(w.file));
    const candidates = named.length > 0 ? named : workflows;
    const allowed = new Set(candidates.flatMap((w) => w.inputs));
    const mentioned = [
      ...[...sentence.matchAll(/(?:-f|--field|-F|--raw-field)[ =]([\w-]+)=/g)].map((m) => m[1]!),
      ...[...sentence.matchAll(/\binputs? `([\w-]+)(?::[^`]*)?`/g)].map((m) => m[1]!),
      ...[...sentence.matchAll(/`([\w-]+)(?::[^`]*)?` input/g)].map((m) => m[1]!),
      ...[...sentence.matchAll(/\bmode `([\w-]+)`/g)].map(() => 'mode'),
    ];
    for (const name of mentioned) {
      if (!allowed.has(name)) {
        problems.push(
          `${file}: names the workflow input ${name}, which ${named.map((w) => w.file).join(', ') || 'no workflow'} does not take (inputs: ${[...allowed].join(', ') || 'none'})`,
        );
      }
    }
  }
  return problems;
}
