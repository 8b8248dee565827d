// Writes docs/reference.md from the code: every nomad-ops command (from the commander program)
// and every action's inputs and outputs (from actions/*/action.yml). `npx tsx scripts/write-reference.ts`.
// test/docs/reference.unit.test.ts fails when the committed file differs from what this renders.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { CliIo } from '../src/cli/io.js';
import { buildProgram } from '../src/cli/program.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REFERENCE_PATH = 'docs/reference.md';

/** One option or argument of a command, as commander holds it. */
export interface ParameterDoc {
  /** `--env <name|path>`, or `[files...]` for an argument. */
  term: string;
  description: string;
  required: boolean;
  default?: string | undefined;
}

export interface CommandDoc {
  /** Full name, e.g. `nomad-ops keys plan`. */
  path: string;
  usage: string;
  description: string;
  arguments: ParameterDoc[];
  options: ParameterDoc[];
  /** Example command lines from the help's after-text, without the `$ ` prompt. */
  examples: string[];
  /** After-text lines that are not examples. */
  notes: string[];
  subcommands: string[];
}

export interface ActionInputDoc {
  name: string;
  required: boolean;
  default?: string;
  description: string;
}

export interface ActionDoc {
  /** Directory name under actions/, e.g. `provision-keys`. */
  id: string;
  name: string;
  description: string;
  inputs: ActionInputDoc[];
  outputs: Array<{ name: string; description: string }>;
  runs: { using: string; main: string };
  /** Workflow files under .github/workflows that use the action. */
  usedBy: string[];
}

export interface ReferenceModel {
  commands: CommandDoc[];
  actions: ActionDoc[];
}

const silentIo: CliIo = { out: () => {}, err: () => {}, env: {}, cwd: repoRoot };

/** The text a command's `addHelpText('after', …)` adds to its --help. */
function afterHelpText(command: Command): string {
  let text = '';
  // addHelpText registers a listener on this event; outputHelp() emits it with the same context.
  // Command is an EventEmitter at run time; its typings do not say so.
  (command as unknown as EventEmitter).emit('afterHelp', {
    error: false,
    command,
    write: (s: string) => (text += s),
  });
  return text;
}

function parameterDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function describeCommand(command: Command, parents: string[]): CommandDoc {
  const names = [...parents, command.name()];
  const after = afterHelpText(command)
    .split('\n')
    .map((l) => l.trim());
  return {
    path: names.join(' '),
    usage: `${names.join(' ')} ${command.usage()}`.trim(),
    description: command.description(),
    arguments: command.registeredArguments.map((a) => ({
      term: a.required
        ? `<${a.name()}${a.variadic ? '...' : ''}>`
        : `[${a.name()}${a.variadic ? '...' : ''}]`,
      description: a.description,
      required: a.required,
      ...(a.defaultValue !== undefined ? { default: parameterDefault(a.defaultValue) } : {}),
    })),
    options: command.options.map((o) => {
      const fallback = o.negate ? undefined : parameterDefault(o.defaultValue);
      return {
        term: o.flags,
        description: o.description,
        required: o.mandatory,
        ...(fallback !== undefined ? { default: fallback } : {}),
      };
    }),
    examples: after.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)),
    notes: after.filter((l) => l !== '' && l !== 'Example:' && !l.startsWith('$ ')),
    subcommands: command.commands.map((c) => c.name()),
  };
}

/** Every command of the program, parents before their sub-commands, in registration order. */
export function describeCli(program: Command = buildProgram(silentIo, () => {})): CommandDoc[] {
  const out: CommandDoc[] = [];
  const walk = (command: Command, parents: string[]) => {
    out.push(describeCommand(command, parents));
    for (const sub of command.commands) walk(sub, [...parents, command.name()]);
  };
  for (const command of program.commands) walk(command, [program.name()]);
  return out;
}

interface ActionYaml {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string };
}

/** Workflow file names per action id, from `uses: ./actions/<id>` steps. */
function actionUsage(root: string): Map<string, string[]> {
  const dir = path.join(root, '.github/workflows');
  const usage = new Map<string, string[]>();
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const workflow = parseYaml(readFileSync(path.join(dir, file), 'utf8')) as {
      jobs?: Record<string, { steps?: Array<{ uses?: string }> }>;
    };
    for (const job of Object.values(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        const id = /^\.\/actions\/([^/@]+)$/.exec(step.uses ?? '')?.[1];
        if (!id) continue;
        const files = usage.get(id) ?? [];
        if (!files.includes(file)) files.push(file);
        usage.set(id, files);
      }
    }
  }
  return usage;
}

export function parseActionYaml(id: string, text: string, usedBy: string[] = []): ActionDoc {
  const doc = parseYaml(text) as ActionYaml;
  return {
    id,
    name: doc.name ?? id,
    description: doc.description ?? '',
    inputs: Object.entries(doc.inputs ?? {}).map(([name, input]) => ({
      name,
      required: input.required === true,
      ...(input.default !== undefined ? { default: String(input.default) } : {}),
      description: input.description ?? '',
    })),
    outputs: Object.entries(doc.outputs ?? {}).map(([name, output]) => ({
      name,
      description: output.description ?? '',
    })),
    runs: { using: doc.runs?.using ?? '', main: doc.runs?.main ?? '' },
    usedBy,
  };
}

/** Every `actions/<id>/action.yml`, sorted by id. */
export function readActions(root: string = repoRoot): ActionDoc[] {
  const usage = actionUsage(root);
  return readdirSync(path.join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((id) =>
      parseActionYaml(
        id,
        readFileSync(path.join(root, 'actions', id, 'action.yml'), 'utf8'),
        usage.get(id) ?? [],
      ),
    );
}

/** Hand-written notes shown above an action's tables: what a reader would ask first. */
const ACTION_NOTES: Record<string, string> = {
  validate:
    'Reads the files only and needs no AWS credentials; each problem is annotated on its file and line.',
  'provision-keys':
    'Never changes or deletes an existing key or alias. A key left without its alias by an ' +
    'interrupted run is adopted by its tags. Development keeps hex keys in Secrets Manager; no ' +
    'private key reaches an output or a log.',
  'apply-iam':
    'Workflows pass `bootstrap: false`: the OIDC provider and the workflow roles are written by an ' +
    'administrator with `nomad-ops iam apply` (see [GitHub setup](github-setup.md)).',
  'proofs-bucket':
    'The bucket is `nomadxyz-{env}-proofs` unless the environment file names another.',
  keymaster:
    'Needs each network’s RPC URL in the environment variable its `rpcUrlEnv` names. The job fails ' +
    'when a wallet is left below `lower` or a bank is below `alertBelow`.',
  report:
    'The comment is found again by the hidden marker `<!-- nomad-agent-ops:plan:{env} -->` ' +
    '(`applied` reports: `<!-- nomad-agent-ops:applied:{env} -->`) and updated in place.',
  'apply-guard':
    'Fails the job, before anything is written, when the plan made now is not the approved one. ' +
    'A plan that writes nothing always passes.',
  'apply-plan':
    'Reads AWS once and writes only the changes of that read, when every row equals the approved ' +
    'plan; otherwise it writes nothing and says "the state changed since approval: run the ' +
    'workflow again" with each row that moved.',
};

const CLI_PREAMBLE = [
  'Run from the sources with `npm run nomad-ops -- <command>`, or `npx nomad-ops <command>` (`npm ci`',
  'builds it; `npm run build:lib` after editing `src/`). Every command takes `--help`, which ends with an example.',
  '',
  '- **Exit codes**: `0` success; `1` the operation failed (a key broken, a wallet left unfunded,',
  '  an AWS or chain call failed); `2` bad input: a flag, an environment file, or AWS credentials',
  '  for another account than the file names. Nothing is changed when the exit code is `2`.',
  '- **`--env <name|path>`**: `development`, `staging`, `production` (read from',
  '  `environments/<name>.yaml` under the working directory), or the path of an environment file.',
  '- **Environment variables**: AWS credentials and region through the AWS SDK’s usual chain',
  '  (`AWS_PROFILE`, SSO, OIDC in workflows); `AWS_ENDPOINT_URL` points every AWS client at an',
  '  emulator; each network’s RPC URL in the variable its `rpcUrlEnv` names (Keymaster only);',
  '  `GITHUB_REPOSITORY` (`owner/name`) stands in for `github.repository` when the file names',
  '  none, for the OIDC trust policies (`plan`, `iam`); `NOMAD_OPS_DEBUG=1` adds stack traces to',
  '  unexpected errors.',
];

/** Prose from the code as inline markdown: `*`, `<`, `>` escaped outside code spans. */
function prose(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[*<>]/g, (c) => `\\${c}`)))
    .join('`');
}

/** A table cell: one line, pipes escaped (GFM splits on them even inside code spans). */
function cell(markdown: string): string {
  return markdown.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');
}

function renderCommand(command: CommandDoc): string[] {
  const lines = [`### ${code(command.path)}`, '', prose(command.description), ''];
  lines.push('```text', `Usage: ${command.usage}`, '```', '');
  if (command.subcommands.length > 0) {
    lines.push(
      `Sub-commands: ${command.subcommands.map((s) => code(`${command.path} ${s}`)).join(', ')}.`,
      '',
    );
  }
  const parameters = [
    ...command.arguments.map((a) => ({ ...a, kind: 'argument' })),
    ...command.options.map((o) => ({ ...o, kind: 'option' })),
  ];
  if (parameters.length > 0) {
    lines.push('| parameter | required | default | description |', '| --- | --- | --- | --- |');
    for (const p of parameters) {
      lines.push(
        `| ${cell(code(p.term))} | ${p.required ? 'yes' : 'no'} | ${p.default !== undefined ? cell(code(p.default)) : ''} | ${cell(prose(p.description))} |`,
      );
    }
    lines.push('');
  }
  for (const note of command.notes) lines.push(prose(note), '');
  if (command.examples.length > 0) {
    lines.push('Example:', '', '```sh', ...command.examples, '```', '');
  }
  return lines;
}

function renderAction(action: ActionDoc): string[] {
  const lines = [
    `### ${code(`actions/${action.id}`)}`,
    '',
    `**${prose(action.name)}.** ${prose(action.description)}`,
    '',
  ];
  const note = ACTION_NOTES[action.id];
  if (note) lines.push(note, '');
  lines.push(
    `Runs \`${action.runs.using}\` with \`${path.posix.join('actions', action.id, action.runs.main)}\`` +
      (action.usedBy.length > 0
        ? `; used by ${action.usedBy.map((f) => `\`.github/workflows/${f}\``).join(', ')}.`
        : '; used by no workflow.'),
    '',
    '#### Inputs',
    '',
  );
  if (action.inputs.length === 0) lines.push('None.', '');
  else {
    lines.push('| input | required | default | description |', '| --- | --- | --- | --- |');
    for (const i of action.inputs) {
      const fallback =
        i.default === undefined ? '' : i.default === '' ? '(empty)' : cell(code(i.default));
      lines.push(
        `| ${code(i.name)} | ${i.required ? 'yes' : 'no'} | ${fallback} | ${cell(prose(i.description))} |`,
      );
    }
    lines.push('');
  }
  lines.push('#### Outputs', '');
  if (action.outputs.length === 0) lines.push('None.', '');
  else {
    lines.push('| output | description |', '| --- | --- |');
    for (const o of action.outputs)
      lines.push(`| ${code(o.name)} | ${cell(prose(o.description))} |`);
    lines.push('');
  }
  return lines;
}

/** docs/reference.md as it must be. Pure given its model; by default the model of this checkout. */
export function renderReference(
  model: ReferenceModel = { commands: describeCli(), actions: readActions() },
): string {
  const lines = [
    '# Reference',
    '',
    '<!-- Generated by `npx tsx scripts/write-reference.ts` from src/cli and actions/*/action.yml.',
    '     Do not edit: test/docs/reference.unit.test.ts fails when this file and the code disagree. -->',
    '',
    'Every `nomad-ops` command and every action, with their options, inputs and outputs, generated',
    'from the code. How to use them together: the [README](../README.md), the',
    '[GitHub setup](github-setup.md) and the [runbooks](runbooks/).',
    '',
    '## Contents',
    '',
    ...model.commands.map((c) => `- [${code(c.path)}](#${anchorOf(c.path)})`),
    ...model.actions.map((a) => `- [${code(`actions/${a.id}`)}](#${anchorOf(`actions/${a.id}`)})`),
    '',
    '## CLI: `nomad-ops`',
    '',
    ...CLI_PREAMBLE,
    '',
    ...model.commands.flatMap(renderCommand),
    '## Actions',
    '',
    'JavaScript actions (`runs.using: node24`) running committed esbuild bundles under `dist/`. They take',
    'no credential inputs: AWS credentials come from `aws-actions/configure-aws-credentials` (OIDC)',
    'earlier in the job. Inputs are strings; booleans are `"true"` / `"false"`. Outputs ending in',
    '`-file` hold the path of a file with the same JSON, for passing to other actions (an input',
    'above 128 KiB cannot start an action).',
    '',
    ...model.actions.flatMap(renderAction),
  ];
  return lines.join('\n').replace(/\n+$/, '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const target = path.join(repoRoot, REFERENCE_PATH);
  writeFileSync(target, renderReference());
  console.log(`wrote ${target}`);
}
