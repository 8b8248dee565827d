import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * `reconcile()` is the only place a plan is applied: a resource's write steps run only through a
 * reconciler's `runStep`, and only src/plan/reconcile.ts calls `runStep`. A step runner is a
 * function named `run…Step` (runKmsStep, runSecretStep, runIamStep, runS3Step, …).
 */

/** Where a plan may be applied from: the loop. */
export const LOOP = 'src/plan/reconcile.ts';

const STEP_RUNNER = /^run[A-Z]\w*Step$/;

/** Inside a `runStep` property or method of a reconciler (or the function one is set to). */
function insideRunStep(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (
      (ts.isPropertyAssignment(at) || ts.isMethodDeclaration(at) || ts.isVariableDeclaration(at)) &&
      ts.isIdentifier(at.name) &&
      at.name.text === 'runStep'
    ) {
      return true;
    }
  }
  return false;
}

/** The calls of one module that apply a plan outside the loop, as `file:line: what`. */
export function stepCallsOutsideLoop(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) =>
    `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'runStep') {
        if (file !== LOOP) found.push(`${at(node)}: calls runStep outside the loop`);
      } else if (ts.isIdentifier(callee) && STEP_RUNNER.test(callee.text) && !insideRunStep(node)) {
        found.push(`${at(node)}: calls ${callee.text} outside a reconciler's runStep`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every call in src/ that applies a plan outside `reconcile()`. */
export function stepCallsOutsideLoopIn(root: string): string[] {
  return tsFiles(path.join(root, 'src')).flatMap((file) =>
    stepCallsOutsideLoop(
      path.relative(root, file).split(path.sep).join('/'),
      readFileSync(file, 'utf8'),
    ),
  );
}

/** How many `runStep` adapters src/ holds (so the scan is known to see them). */
export function runStepAdapters(root: string): string[] {
  return tsFiles(path.join(root, 'src')).filter((file) =>
    /\brunStep\s*[:(]/.test(readFileSync(file, 'utf8')),
  );
}
