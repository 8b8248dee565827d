import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeCli,
  readActions,
  repoRoot,
  type ActionDoc,
  type CommandDoc,
} from '../../scripts/write-reference.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { alertRules } from '../../src/keymaster/deploy/alerts.js';
import { WORKFLOW_ALERT_NAMES, runbookUrl } from '../../src/notify/catalog.js';
import {
  codeSpans,
  dispatchMentionProblems,
  metricDeclarations,
  tableAfter,
  workflowDispatchInputs,
  type MetricDecl,
} from './tables.js';

/**
 * The tables a reader relies on, compared with what the code declares (issue 29 item 1): a
 * metric, an action input or output, a command or option, an alert or a workflow input renamed
 * or added without its docs fails here. Each check is a pure function of (code, markdown), and
 * each is shown to fail on a doc that drifted.
 */

const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');
const DEPLOY_RUNBOOK = 'docs/runbooks/deploying-the-keymaster-service.md';
const ALERTS_RUNBOOK = 'docs/runbooks/keymaster-alerts.md';

function metricProblems(metrics: MetricDecl[], markdown: string): string[] {
  const rows = tableAfter(markdown, '## Metrics');
  const documented = new Map(rows.map((r) => [codeSpans(r[0] ?? '')[0] ?? r[0]!, r]));
  const problems: string[] = [];
  for (const m of metrics) {
    const row = documented.get(m.name);
    if (!row) {
      problems.push(`${m.name} (${m.file}) is not in the metrics table`);
      continue;
    }
    const labels = (row[1] ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l && l !== '—');
    if ([...labels].sort().join() !== [...m.labels].sort().join()) {
      problems.push(`${m.name}: the table says labels ${labels.join(', ')}, the code ${m.labels}`);
    }
    if (row[2] !== m.help) {
      problems.push(
        `${m.name}: the table says ${JSON.stringify(row[2])}, the help is ${JSON.stringify(m.help)}`,
      );
    }
  }
  for (const name of documented.keys()) {
    if (!metrics.some((m) => m.name === name))
      problems.push(`${name}: documented, not in the code`);
  }
  return problems;
}

/** The README's actions table: every action, every input and output named; no name it lacks. */
function actionTableProblems(
  actions: ActionDoc[],
  readme: string,
  yamlOf: (id: string) => string,
): string[] {
  const rows = tableAfter(readme, '## Actions');
  const problems: string[] = [];
  for (const action of actions) {
    const row = rows.find((r) => codeSpans(r[0] ?? '').includes(`actions/${action.id}`));
    if (!row) {
      problems.push(`actions/${action.id} is not in the README's actions table`);
      continue;
    }
    for (const [column, names] of [
      [row[1] ?? '', action.inputs.map((i) => i.name)],
      [row[2] ?? '', action.outputs.map((o) => o.name)],
    ] as const) {
      const spans = codeSpans(column).flatMap((s) => s.split('/'));
      for (const name of names) {
        if (!spans.includes(name))
          problems.push(`actions/${action.id}: ${name} is not in the README's row`);
      }
      // A name the row shows that the action.yml does not have anywhere (a value is fine).
      const yaml = yamlOf(action.id);
      for (const span of spans) {
        if (!names.includes(span) && !yaml.includes(span)) {
          problems.push(
            `actions/${action.id}: the README names ${span}, which its action.yml does not have`,
          );
        }
      }
    }
  }
  for (const row of rows) {
    const id = codeSpans(row[0] ?? '')[0]?.replace(/^actions\//, '');
    if (!actions.some((a) => a.id === id))
      problems.push(`README names action ${row[0]}, which does not exist`);
  }
  return problems;
}

/** The README's commands table: every command in it, every option a row names exists there. */
function commandTableProblems(commands: CommandDoc[], readme: string): string[] {
  const rows = tableAfter(readme, '## Commands');
  const problems: string[] = [];
  const byPath = new Map(commands.map((c) => [c.path, c]));
  const covered = new Set<string>();
  for (const row of rows) {
    const usage = codeSpans(row[0] ?? '')[0] ?? '';
    const words = usage.split(/\s+/);
    const nameWords: string[][] = [];
    for (const w of words) {
      if (/^[-<[]/.test(w)) break;
      nameWords.push(w.split('|'));
    }
    let paths = [''];
    for (const choices of nameWords)
      paths = paths.flatMap((p) => choices.map((c) => `${p} ${c}`.trim()));
    const flags = [...`${row[0]} ${row[1]}`.matchAll(/(?<![\w-])(--[a-z][\w-]*)/g)].map(
      (m) => m[1]!,
    );
    for (const p of paths) {
      const command = byPath.get(p);
      if (!command) {
        problems.push(`README names the command ${p}, which does not exist`);
        continue;
      }
      covered.add(p);
      const known = command.options.flatMap((o) => o.term.match(/--[\w-]+/g) ?? []);
      for (const flag of flags) {
        const base = flag.replace(/^--no-/, '--');
        if (
          !known.includes(flag) &&
          !known.includes(base) &&
          !known.includes(`--no-${flag.slice(2)}`)
        ) {
          problems.push(`README: ${p} has no option ${flag}`);
        }
      }
    }
  }
  for (const c of commands) {
    if (c.subcommands.length === 0 && !covered.has(c.path)) {
      problems.push(`${c.path} is not in the README's commands table`);
    }
  }
  return problems;
}

/** GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

function alertProblems(
  alerts: Array<{ alert: string; runbook: string }>,
  markdown: string,
): string[] {
  const headings = [...markdown.matchAll(/^## ([A-Z][a-z]+(?:[A-Z][a-z]+)+)\s*$/gm)].map(
    (m) => m[1]!,
  );
  const problems: string[] = [];
  for (const { alert, runbook } of alerts) {
    if (!headings.includes(alert)) problems.push(`${alert} has no section in ${ALERTS_RUNBOOK}`);
    const anchor = runbook.split('#')[1];
    if (anchor !== anchorOf(alert)) problems.push(`${alert} links #${anchor}, not its section`);
  }
  for (const h of headings) {
    if (!alerts.some((a) => a.alert === h)) problems.push(`${ALERTS_RUNBOOK}: ${h} is no alert`);
  }
  return problems;
}

function docsFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(`${dir}/${e.name}`)
        : e.name.endsWith('.md')
          ? [`${dir}/${e.name}`]
          : [],
    );
  return ['README.md', 'deploy/README.md', ...walk('docs')].filter(
    (f) => f !== 'docs/reference.md',
  );
}

/** The Prometheus rules' alerts and the workflows' alerts that link the Keymaster alerts runbook. */
const renderedAlerts = () => [
  ...alertRules(loadEnvironment('staging', repoRoot), { cron: true, service: true })
    .flatMap((g) => g.rules)
    .map((r) => ({ alert: r.alert, runbook: r.annotations.runbook_url })),
  ...WORKFLOW_ALERT_NAMES.map((name) => ({ alert: name, runbook: runbookUrl(name, 'o/r') })).filter(
    (a) => a.runbook.includes(`/${ALERTS_RUNBOOK}#`),
  ),
];

const metrics = metricDeclarations(path.join(repoRoot, 'src'));

describe('the tables of the docs, against the code', () => {
  const yamlOf = (id: string) => read(`actions/${id}/action.yml`);

  it('the metrics table lists every metric the code registers, with its labels and help', () => {
    expect(metrics.length).toBeGreaterThan(10);
    expect(metricProblems(metrics, read(DEPLOY_RUNBOOK))).toEqual([]);
  });

  it('the README lists every action with all its inputs and outputs', () => {
    expect(actionTableProblems(readActions(), read('README.md'), yamlOf)).toEqual([]);
  });

  it('the README lists every command, and each option it names exists', () => {
    expect(commandTableProblems(describeCli(), read('README.md'))).toEqual([]);
  });

  it('the alerts runbook has one section per alert, the one each alert links', () => {
    expect(alertProblems(renderedAlerts(), read(ALERTS_RUNBOOK))).toEqual([]);
  });

  it('the docs name only workflow inputs that exist', () => {
    const workflows = workflowDispatchInputs(repoRoot);
    expect(workflows.some((w) => w.inputs.length > 0)).toBe(true);
    expect(docsFiles().flatMap((f) => dispatchMentionProblems(f, read(f), workflows))).toEqual([]);
  });
});

describe('the table checks catch drift', () => {
  it('a metric renamed, relabelled or re-described in the code', () => {
    const doc = read(DEPLOY_RUNBOOK);
    const [first, ...rest] = metrics;
    expect(metricProblems([{ ...first!, name: `${first!.name}_x` }, ...rest], doc)).toHaveLength(2);
    expect(metricProblems([{ ...first!, labels: ['other'] }, ...rest], doc)).toHaveLength(1);
    expect(metricProblems([{ ...first!, help: 'else' }, ...rest], doc)).toHaveLength(1);
  });

  it('an action input or output added or renamed', () => {
    const actions = readActions();
    const readme = read('README.md');
    const yamlOf = (id: string) => read(`actions/${id}/action.yml`);
    const keys = actions.find((a) => a.id === 'provision-keys')!;
    const renamed = actions.map((a) =>
      a === keys
        ? { ...a, inputs: a.inputs.map((i) => (i.name === 'commit' ? { ...i, name: 'sha' } : i)) }
        : a,
    );
    expect(actionTableProblems(renamed, readme, yamlOf)).toContain(
      "actions/provision-keys: sha is not in the README's row",
    );
    const withOutput = actions.map((a) =>
      a === keys ? { ...a, outputs: [...a.outputs, { name: 'new-output', description: '' }] } : a,
    );
    expect(actionTableProblems(withOutput, readme, yamlOf)).toContain(
      "actions/provision-keys: new-output is not in the README's row",
    );
  });

  it('a command or option renamed', () => {
    const commands = describeCli();
    const readme = read('README.md');
    const renamed = commands.map((c) =>
      c.path === 'nomad-ops keys apply'
        ? { ...c, options: c.options.filter((o) => !o.term.startsWith('--verify-key-trust')) }
        : c,
    );
    expect(commandTableProblems(renamed, readme)).toEqual([
      'README: nomad-ops keys apply has no option --verify-key-trust',
    ]);
    const added = [...commands, { ...commands[0]!, path: 'nomad-ops brand-new', subcommands: [] }];
    expect(commandTableProblems(added, readme)).toEqual([
      "nomad-ops brand-new is not in the README's commands table",
    ]);
  });

  it('an alert renamed', () => {
    const alerts = renderedAlerts();
    const first = alerts[0]!.alert;
    const renamed = alerts.map((a) => (a.alert === first ? { ...a, alert: `${a.alert}Now` } : a));
    expect(alertProblems(renamed, read(ALERTS_RUNBOOK))).toContain(
      `${first}Now has no section in ${ALERTS_RUNBOOK}`,
    );
    expect(alertProblems(renamed, read(ALERTS_RUNBOOK))).toContain(
      `${ALERTS_RUNBOOK}: ${first} is no alert`,
    );
  });

  it('a workflow input that does not exist', () => {
    const workflows = [{ file: 'keymaster.yml', inputs: ['environment', 'dry-run'] }];
    const doc =
      'Run it by hand (`workflow_dispatch`, mode `top-up`).\n\n' +
      'Or `gh workflow run keymaster.yml -f environment=staging -f top-up=true`.\n';
    expect(dispatchMentionProblems('x.md', doc, workflows)).toHaveLength(2);
    const good = 'Run it by hand (`workflow_dispatch` of keymaster.yml, input `dry-run: false`).';
    expect(dispatchMentionProblems('x.md', good, workflows)).toEqual([]);
  });
});

describe('what the README promises about the machine', () => {
  it('names the Node that package.json engines require, and the pinned moto', async () => {
    const readme = read('README.md');
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
    const major = /^>=\s*(\d+)/.exec(pkg.engines.node)?.[1];
    expect(major, 'engines.node is >=N').toBeDefined();
    expect(readme).toContain(`Node.js ${major} or newer`);
    expect([...readme.matchAll(/Node\.js (\d+) or newer/g)].map((m) => m[1])).toEqual([major]);
    const { MOTO_VENV } = await import('../harness/moto-python.js');
    expect(readme).toContain(`\`${path.relative(repoRoot, MOTO_VENV)}\``);
  });
});
