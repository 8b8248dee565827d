import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  REFERENCE_PATH,
  describeCli,
  parseActionYaml,
  readActions,
  renderReference,
  repoRoot,
  type ReferenceModel,
} from '../../scripts/write-reference.js';
import type { CliIo } from '../../src/cli/io.js';
import { buildProgram } from '../../src/cli/program.js';
import { referenceDisagreements } from './reference-check.js';

const committed = readFileSync(path.join(repoRoot, REFERENCE_PATH), 'utf8');
const model = (): ReferenceModel => ({ commands: describeCli(), actions: readActions() });
const quietIo: CliIo = { out: () => {}, err: () => {}, env: {}, cwd: repoRoot };

interface ActionYamlDoc {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

/** The model with one action replaced by a mutated copy of its action.yml. */
function withMutatedAction(id: string, mutate: (doc: ActionYamlDoc) => void): ReferenceModel {
  const base = model();
  const text = readFileSync(path.join(repoRoot, 'actions', id, 'action.yml'), 'utf8');
  const doc = parse(text) as ActionYamlDoc;
  mutate(doc);
  const original = base.actions.find((a) => a.id === id)!;
  const mutated = parseActionYaml(id, stringify(doc), original.usedBy);
  return { ...base, actions: base.actions.map((a) => (a.id === id ? mutated : a)) };
}

describe('docs/reference.md', () => {
  it('is what scripts/write-reference.ts renders from the code now', () => {
    expect(
      committed === renderReference(),
      `${REFERENCE_PATH} is out of date: run \`npx tsx scripts/write-reference.ts\` and commit it`,
    ).toBe(true);
  });

  it('documents every command, option, action, input and output, and nothing else', () => {
    const current = model();
    // Every action directory and every registered command is in the model the check uses.
    expect(current.actions.map((a) => a.id)).toContain('provision-keys');
    expect(current.commands.map((c) => c.path)).toContain('nomad-ops keymaster serve');
    expect(referenceDisagreements(committed, current)).toEqual([]);
  });

  it('catches an action.yml that gained an input and lost an output', () => {
    const mutated = withMutatedAction('keymaster', (doc) => {
      doc.inputs['max-fee-gwei'] = { description: 'Fee cap.', required: false, default: '' };
      delete doc.outputs['top-ups'];
    });
    expect(referenceDisagreements(committed, mutated)).toEqual([
      'actions/keymaster: input max-fee-gwei is not documented',
      'actions/keymaster: documents output top-ups, which the code does not have',
    ]);
    expect(renderReference(mutated)).not.toBe(committed);
  });

  it('catches a changed default or description through the rendered file', () => {
    const mutated = withMutatedAction('provision-keys', (doc) => {
      doc.inputs.mode!.default = 'apply';
    });
    expect(referenceDisagreements(committed, mutated)).toEqual([]);
    expect(renderReference(mutated)).not.toBe(committed);
    expect(renderReference(mutated)).toContain('| `mode` | no | `apply` |');
  });

  it('catches a CLI option or command the reference does not show', () => {
    const program = buildProgram(quietIo, () => {});
    const keys = program.commands.find((c) => c.name() === 'keys')!;
    keys.commands.find((c) => c.name() === 'apply')!.option('--force', 'not a real option');
    program.command('rotate').description('not a real command');
    const mutated = { commands: describeCli(program), actions: readActions() };
    expect(referenceDisagreements(committed, mutated)).toEqual([
      'nomad-ops keys apply: parameter --force is not documented',
      'nomad-ops rotate: command is not documented',
    ]);
  });

  it('shows each command’s help example and escapes pipes inside table cells', () => {
    for (const command of describeCli()) {
      for (const example of command.examples) expect(committed).toContain(`\n${example}\n`);
    }
    expect(committed).toContain('| `--env <name\\|path>` | yes |');
  });
});
