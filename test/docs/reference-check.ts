import type { ReferenceModel } from '../../scripts/write-reference.js';

/** What a reference documents: per `### `code`` section, the names in its tables' first column. */
interface Section {
  /** `#### Inputs` / `#### Outputs` of an action; `parameters` for a command. */
  tables: Map<string, Set<string>>;
}

function parseSections(markdown: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  let table = 'parameters';
  for (const line of markdown.split('\n')) {
    const heading = /^### `([^`]+)`\s*$/.exec(line);
    if (heading) {
      current = { tables: new Map() };
      sections.set(heading[1]!, current);
      table = 'parameters';
      continue;
    }
    if (/^#{1,2} /.test(line)) {
      current = undefined;
      continue;
    }
    const sub = /^#### (\w+)/.exec(line);
    if (sub) {
      table = sub[1]!.toLowerCase();
      continue;
    }
    const row = /^\| `((?:[^`\\]|\\.)+)` \|/.exec(line);
    if (current && row) {
      const names = current.tables.get(table) ?? new Set<string>();
      names.add(row[1]!.replace(/\\\|/g, '|'));
      current.tables.set(table, names);
    }
  }
  return sections;
}

function compare(
  where: string,
  kind: string,
  inCode: string[],
  inDoc: Set<string> | undefined,
  problems: string[],
): void {
  const documented = inDoc ?? new Set<string>();
  for (const name of inCode) {
    if (!documented.has(name)) problems.push(`${where}: ${kind} ${name} is not documented`);
  }
  for (const name of documented) {
    if (!inCode.includes(name)) {
      problems.push(`${where}: documents ${kind} ${name}, which the code does not have`);
    }
  }
}

/**
 * Where a reference and the code disagree: a command, option, argument, action, input or output
 * that one has and the other lacks. Empty when they agree.
 */
export function referenceDisagreements(markdown: string, model: ReferenceModel): string[] {
  const sections = parseSections(markdown);
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const command of model.commands) {
    expected.add(command.path);
    const section = sections.get(command.path);
    if (!section) {
      problems.push(`${command.path}: command is not documented`);
      continue;
    }
    const terms = [...command.arguments, ...command.options].map((p) => p.term);
    compare(command.path, 'parameter', terms, section.tables.get('parameters'), problems);
  }
  for (const action of model.actions) {
    const where = `actions/${action.id}`;
    expected.add(where);
    const section = sections.get(where);
    if (!section) {
      problems.push(`${where}: action is not documented`);
      continue;
    }
    compare(
      where,
      'input',
      action.inputs.map((i) => i.name),
      section.tables.get('inputs'),
      problems,
    );
    compare(
      where,
      'output',
      action.outputs.map((o) => o.name),
      section.tables.get('outputs'),
      problems,
    );
  }
  for (const name of sections.keys()) {
    if (!expected.has(name)) problems.push(`${name}: documented, but no such command or action`);
  }
  return problems;
}
