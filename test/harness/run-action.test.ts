import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionEnvironment,
  inputVariableName,
  inputVariables,
  parseFileCommand,
  runAction,
} from './run-action.js';

describe('parseFileCommand', () => {
  it('reads name=value lines, keeping "=" and "<<" inside values', () => {
    expect(parseFileCommand('a=1\nb=x=y\nc=\nd=p<<q\n')).toEqual({
      a: '1',
      b: 'x=y',
      c: '',
      d: 'p<<q',
    });
  });

  it('reads heredoc blocks as @actions/core writes them, multi-line and empty', () => {
    const text =
      'table<<ghadelimiter_1\n| a |\n|---|\nk=v\nghadelimiter_1\n' +
      'empty<<EOF\nEOF\n' +
      'plain=after\n';
    expect(parseFileCommand(text)).toEqual({
      table: '| a |\n|---|\nk=v',
      empty: '',
      plain: 'after',
    });
  });

  it('lets a later entry win, and accepts CRLF', () => {
    expect(parseFileCommand('a=1\r\na=2\r\n')).toEqual({ a: '2' });
  });

  it('refuses an unclosed heredoc and a line it cannot read', () => {
    expect(() => parseFileCommand('x<<END\nno end\n')).toThrow(/no closing END/);
    expect(() => parseFileCommand('garbage\n')).toThrow(/cannot read line 1/);
  });
});

describe('inputs and environment', () => {
  it('names input variables as the runner does: upper case, spaces to _, hyphens kept', () => {
    expect(inputVariableName('dry-run')).toBe('INPUT_DRY-RUN');
    expect(inputVariableName('environment file')).toBe('INPUT_ENVIRONMENT_FILE');
  });

  it('applies action.yml defaults to inputs not given, and refuses undeclared inputs', () => {
    const declared = { environment: {}, 'dry-run': { default: false }, mode: { default: 'once' } };
    expect(inputVariables(declared, { environment: 'staging', mode: 'serve' })).toEqual({
      INPUT_ENVIRONMENT: 'staging',
      'INPUT_DRY-RUN': 'false',
      INPUT_MODE: 'serve',
    });
    expect(() => inputVariables(declared, { enviroment: 'x' })).toThrow(/enviroment/);
  });

  it("drops the host's runner, GitHub and AWS variables, then layers runner and extra", () => {
    const env = actionEnvironment(
      {
        PATH: '/bin',
        GITHUB_TOKEN: 'ghs_x',
        AWS_SECRET_ACCESS_KEY: 's',
        INPUT_OLD: 'o',
        KEEP: 'k',
      },
      { GITHUB_OUTPUT: '/o', INPUT_NEW: 'n' },
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', KEEP: undefined },
    );
    expect(env).toEqual({
      PATH: '/bin',
      GITHUB_OUTPUT: '/o',
      INPUT_NEW: 'n',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    });
  });
});

// A throwaway action laid out like the real ones: actions/<name>/action.yml -> dist/<name>/index.js.
const ECHO_ACTION_YML = `
name: echo
description: test action
inputs:
  environment:
    description: env
    required: true
  dry-run:
    description: flag
    default: 'true'
  exit code:
    description: exit code
    default: '0'
runs:
  using: node24
  main: ../../dist/echo/index.js
`;

const ECHO_ACTION_JS = `
const fs = require('node:fs');
const env = process.env;
const inputs = Object.keys(env).filter((k) => k.startsWith('INPUT_')).sort();
const event = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
fs.appendFileSync(env.GITHUB_OUTPUT, 'inputs=' + inputs.join(',') + '\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'environment=' + env.INPUT_ENVIRONMENT + '\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'report<<ghadelimiter_x\\nline 1\\nline 2\\nghadelimiter_x\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'node=' + process.versions.node.split('.')[0] + '\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'pr=' + event.pull_request.number + '\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'runner-temp=' + fs.statSync(env.RUNNER_TEMP).isDirectory() + '\\n');
fs.appendFileSync(env.GITHUB_OUTPUT, 'context=' + [env.GITHUB_REPOSITORY, env.GITHUB_EVENT_NAME, env.GITHUB_WORKSPACE === process.cwd()].join(' ') + '\\n');
fs.appendFileSync(env.GITHUB_STEP_SUMMARY, '# Summary\\n');
console.log('to stdout');
console.error('to stderr');
process.exitCode = Number(env['INPUT_EXIT_CODE']);
`;

describe('runAction on a throwaway action', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'run-action-test-'));
    await mkdir(path.join(root, 'actions/echo'), { recursive: true });
    await mkdir(path.join(root, 'dist/echo'), { recursive: true });
    await writeFile(path.join(root, 'actions/echo/action.yml'), ECHO_ACTION_YML);
    await writeFile(path.join(root, 'dist/echo/index.js'), ECHO_ACTION_JS);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('runs the bundle on Node 24 with inputs, defaults, event and file commands', async () => {
    const run = await runAction('echo', {
      rootDir: root,
      inputs: { environment: 'staging' },
      event: { pull_request: { number: 7 } },
      eventName: 'pull_request',
      repository: 'owner/repo',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({
      inputs: 'INPUT_DRY-RUN,INPUT_ENVIRONMENT,INPUT_EXIT_CODE',
      environment: 'staging',
      report: 'line 1\nline 2',
      node: '24',
      pr: '7',
      'runner-temp': 'true',
      context: 'owner/repo pull_request true',
    });
    expect(run.summary).toBe('# Summary\n');
    expect(run.stdout).toContain('to stdout');
    expect(run.stderr).toContain('to stderr');
  });

  it('reports the exit code of a failing action', async () => {
    const run = await runAction('echo', {
      rootDir: root,
      inputs: { environment: 'x', 'exit code': 3 },
      event: { pull_request: { number: 1 } },
    });
    expect(run.exitCode).toBe(3);
  });

  it('says what to do when the bundle is missing', async () => {
    await mkdir(path.join(root, 'actions/unbuilt'), { recursive: true });
    await writeFile(
      path.join(root, 'actions/unbuilt/action.yml'),
      ECHO_ACTION_YML.replace('dist/echo', 'dist/unbuilt'),
    );
    await expect(runAction('unbuilt', { rootDir: root })).rejects.toThrow(/build:actions/);
  });
});
