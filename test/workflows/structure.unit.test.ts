import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * What the workflows promise beyond being valid: gated production, least permissions, pinned
 * third-party actions, a Keymaster that never runs twice at once. Read from the YAML itself.
 */

const DIR = path.resolve(import.meta.dirname, '../../.github/workflows');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: string | { group: string; 'cancel-in-progress'?: unknown };
  'timeout-minutes'?: number;
  steps?: Step[];
  uses?: string;
}
interface Workflow {
  on: Record<string, unknown> | string | string[];
  permissions?: Record<string, string> | string;
  concurrency?: string | { group: string; 'cancel-in-progress'?: unknown };
  jobs: Record<string, Job>;
}

const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const raw = (file: string) => readFileSync(path.join(DIR, file), 'utf8');
const workflows = Object.fromEntries(files.map((f) => [f, parse(raw(f)) as Workflow]));
const workflow = (name: string) => {
  const w = workflows[name];
  if (!w) throw new Error(`.github/workflows/${name} is missing`);
  return w;
};

const triggers = (w: Workflow) =>
  typeof w.on === 'string' ? [w.on] : Array.isArray(w.on) ? w.on : Object.keys(w.on);
const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());
const environmentOf = (job: Job) =>
  typeof job.environment === 'object' ? job.environment.name : job.environment;
const allJobs = Object.entries(workflows).flatMap(([file, w]) =>
  Object.entries(w.jobs).map(([id, job]) => ({ file, id, job })),
);

/**
 * The first major of each third-party action whose action.yml says `runs.using: node24`, read
 * from the action's repository at that tag. A pin below it runs on node20.
 */
const NODE24_MAJORS: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'actions/setup-python': 6,
  'aws-actions/configure-aws-credentials': 6,
  'actions/github-script': 8,
  'actions/upload-artifact': 6,
  'actions/download-artifact': 7,
};

/** `uses:` lines of steps and reusable-workflow jobs, with the line text for the version comment. */
const usesLines = files.flatMap((file) =>
  raw(file)
    .split('\n')
    .map((line, i) => ({ file, line: i + 1, text: line }))
    .filter(({ text }) => /^\s*(-\s+)?uses:\s/.test(text)),
);

describe('workflows', () => {
  it('include the four the design names', () => {
    expect(files).toEqual(
      expect.arrayContaining(['apply.yml', 'ci.yml', 'keymaster.yml', 'plan.yml']),
    );
  });

  it('never use pull_request_target', () => {
    for (const file of files) {
      expect(triggers(workflow(file)), file).not.toContain('pull_request_target');
      expect(raw(file), file).not.toMatch(/pull_request_target/);
    }
  });

  it('grant nothing at the top and declare permissions on every job', () => {
    for (const file of files) expect(workflow(file).permissions, file).toEqual({});
    for (const { file, id, job } of allJobs) {
      expect(job.permissions, `${file} job ${id}`).toBeTypeOf('object');
    }
  });

  it('grant id-token, pull-requests and issues write only to jobs that use them', () => {
    for (const { file, id, job } of allJobs) {
      const perms = job.permissions as Record<string, string>;
      const steps = job.steps ?? [];
      const usesAws = steps.some((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      const comments = steps.some((s) => s.uses === './actions/report');
      // The threshold proposal opens its pull request through the API (thresholds.yml).
      const proposes = steps.some((s) => s.run?.includes('keymaster propose-thresholds'));
      const where = `${file} job ${id}`;
      expect(perms['id-token'] === 'write', where).toBe(usesAws);
      if (perms['pull-requests'] === 'write') expect(comments || proposes, where).toBe(true);
      if (perms.contents === 'write') expect(proposes, where).toBe(true);
      if (perms.issues === 'write')
        expect(
          steps.some((s) => s.uses === './actions/alert' || s.uses === './actions/drift'),
          where,
        ).toBe(true);
      expect(
        Object.keys(perms).filter((k) => perms[k] === 'write-all'),
        where,
      ).toEqual([]);
    }
  });

  it('pin every action of another repository to a full commit SHA with its version', () => {
    const foreign = usesLines.filter(({ text }) => !/uses:\s*\.\//.test(text));
    expect(foreign.length).toBeGreaterThan(0);
    for (const { file, line, text } of foreign) {
      expect(text, `${file}:${line}`).toMatch(/uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d/);
    }
  });

  it('pin releases whose action.yml runs on node24 (node20 leaves the runners on 2026-09-16)', () => {
    const foreign = usesLines.filter(({ text }) => !/uses:\s*\.\//.test(text));
    for (const { file, line, text } of foreign) {
      const where = `${file}:${line}`;
      const m =
        /uses:\s*([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@[0-9a-f]{40}\s+#\s*v(\d+)\.\d+\.\d+\s*$/.exec(
          text,
        );
      expect(m, `${where}: pin as <sha> # vX.Y.Z`).not.toBeNull();
      const [, action = '', major = '0'] = m ?? [];
      const minimum = NODE24_MAJORS[action];
      expect(
        minimum,
        `${where}: ${action} has no known node24 major; add it to NODE24_MAJORS`,
      ).toBeDefined();
      expect(Number(major), `${where}: ${action} v${major} runs on node20`).toBeGreaterThanOrEqual(
        minimum ?? Infinity,
      );
    }
  });

  it('have Dependabot keep the action pins and the npm packages current', () => {
    const config = parse(readFileSync(path.resolve(DIR, '../dependabot.yml'), 'utf8')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string }[];
    };
    expect(config.version).toBe(2);
    const ecosystems = config.updates.map((u) => u['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['github-actions', 'npm']));
    for (const u of config.updates) expect(u.directory, u['package-ecosystem']).toBe('/');
  });

  it('use local actions only after a checkout', () => {
    for (const { file, id, job } of allJobs) {
      const steps = job.steps ?? [];
      const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'));
      steps.forEach((s, i) => {
        if (s.uses?.startsWith('./'))
          expect(checkout, `${file} job ${id} step ${i}`).toBeGreaterThanOrEqual(0);
        if (s.uses?.startsWith('./'))
          expect(i, `${file} job ${id} step ${i}`).toBeGreaterThan(checkout);
      });
    }
  });
});

describe('plan.yml', () => {
  const plan = workflow('plan.yml');

  it('runs on pull requests touching environments, src and actions', () => {
    const on = plan.on as { pull_request: { paths: string[] } };
    expect(on.pull_request.paths).toEqual(
      expect.arrayContaining(['environments/**', 'src/**', 'actions/**']),
    );
  });

  it('names no GitHub environment (the plan role trusts the pull_request subject)', () => {
    for (const job of Object.values(plan.jobs)) expect(job.environment).toBeUndefined();
  });

  it('plans offline on forks and reports in every case', () => {
    const text = raw('plan.yml');
    // A fork of the toolkit has head.repo.fork true on every pull request: compare names instead.
    expect(text).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(text).not.toContain('head.repo.fork');
    expect(text).toMatch(/plan --env "\$ENVIRONMENT" --offline/);
    const steps = plan.jobs.plan!.steps ?? [];
    const report = steps.find((s) => s.uses === './actions/report');
    expect(report?.with?.['keys-json']).toMatch(/steps\.keys\.outputs\.keys-json/);
    expect(report?.with?.['offline-plan']).toMatch(/steps\.offline\.outputs/);
  });

  it('hands the public RPC URLs to the Keymaster action, which masks them: no masking in YAML', () => {
    const steps = plan.jobs.plan!.steps ?? [];
    const check = steps.find((s) => s.id === 'keymaster');
    expect(check?.with?.['rpc-urls']).toMatch(/secrets\.NOMAD_PUBLIC_RPC_URLS_STAGING/);
    expect(check?.with?.['rpc-urls']).toMatch(/secrets\.NOMAD_PUBLIC_RPC_URLS_PRODUCTION/);
    for (const step of steps) {
      expect(step.run ?? '', step.name).not.toMatch(/add-mask|GITHUB_ENV/);
    }
  });
});

describe('secrets and variables', () => {
  it('are named explicitly: no dynamic secrets[…] or vars[…] index in any workflow', () => {
    for (const file of files) {
      expect(raw(file), file).not.toMatch(/\b(secrets|vars)\s*\[/);
    }
  });
});

describe('apply.yml', () => {
  const apply = workflow('apply.yml');

  it('plans each environment in an ungated job whose plan is the artifact the gated job checks', () => {
    for (const env of ['staging', 'production']) {
      const plan = apply.jobs[`plan-${env}`]!;
      expect(environmentOf(plan), env).toBeUndefined();
      expect(needsOf(apply.jobs[env]!), env).toEqual([`plan-${env}`]);
      const steps = plan.steps ?? [];
      const report = steps.find((s) => s.uses === './actions/report');
      expect(report?.with?.comment, env).toBe('false');
      const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      expect(upload?.with?.path, env).toBe('${{ steps.plan.outputs.plan-file }}');
      const gated = apply.jobs[env]!.steps ?? [];
      const download = gated.findIndex((s) => s.uses?.startsWith('actions/download-artifact@'));
      const guard = gated.findIndex((s) => s.uses === './actions/apply-plan');
      expect(download, env).toBeGreaterThan(0);
      expect(download, env).toBeLessThan(guard);
      expect(gated[guard]!.with?.['approved-plan'], env).toMatch(/approved\//);
      // Nothing in the apply path reads a comment or takes a typed hash.
      expect(gated[guard]!.with?.['approved-hash'], env).toBeUndefined();
    }
    expect(needsOf(apply.jobs['plan-production']!)).toEqual(['staging']);
    expect(triggers(apply)).not.toContain('pull_request');
  });

  it('applies staging in the staging environment and production after it, behind its reviewers', () => {
    const staging = apply.jobs.staging!;
    const production = apply.jobs.production!;
    expect(environmentOf(staging)).toBe('staging');
    expect(environmentOf(production)).toBe('production');
    expect(needsOf(production)).toEqual(['plan-production']);
    expect(needsOf(apply.jobs['plan-production']!)).toEqual(['staging']);
    expect((apply.on as Record<string, { branches?: string[] }>).push?.branches).toEqual(['main']);
  });

  it('applies the artifact in one step that reads once, never bootstraps, and comments the table', () => {
    for (const env of ['staging', 'production']) {
      const steps = apply.jobs[env]!.steps ?? [];
      const applying = steps.findIndex((s) => s.uses === './actions/apply-plan');
      expect(applying, env).toBeGreaterThan(0);
      expect(steps[applying]!.with?.bootstrap, env).toBe('false');
      expect(steps[applying]!.with?.commit, env).toBe(`\${{ needs.plan-${env}.outputs.commit }}`);
      // No step of the gated job plans or writes on its own: only the approved plan is applied.
      const own = ['provision-keys', 'apply-iam', 'proofs-bucket'].map((a) => `./actions/${a}`);
      expect(
        steps.filter((s) => own.includes(s.uses ?? '')).map((s) => s.uses),
        env,
      ).toEqual([]);
      const report = steps.slice(applying).find((s) => s.uses === './actions/report');
      expect(report?.with?.kind, env).toBe('applied');
      expect(report?.with?.['keys-json'], env).toBe('${{ steps.apply.outputs.keys-json-file }}');
    }
  });

  it('has one concurrency group per environment (plan and apply jobs) that is never cancelled', () => {
    const groups = ['staging', 'production'].map((env) => {
      const groupOf = (id: string) => {
        const c = apply.jobs[id]!.concurrency as { group: string; 'cancel-in-progress': unknown };
        expect(c['cancel-in-progress'], id).toBe(false);
        return c.group;
      };
      expect(groupOf(`plan-${env}`)).toBe(groupOf(env));
      return groupOf(env);
    });
    expect(new Set(groups).size).toBe(2);
  });
});

describe('deploy-development.yml', () => {
  const deploy = workflow('deploy-development.yml');
  const job = deploy.jobs.deploy!;
  const steps = job.steps ?? [];

  it('runs on pushes to main touching what apply.yml watches, and by hand', () => {
    const apply = workflow('apply.yml').on as Record<string, unknown>;
    expect(deploy.on).toEqual({ push: apply.push, workflow_dispatch: {} });
    expect((deploy.on as { push: { branches: string[] } }).push.branches).toEqual(['main']);
  });

  it('deploys in the development environment with its own apply role, one run at a time', () => {
    expect(environmentOf(job)).toBe('development');
    expect((job as { name?: string }).name).toBe('deploy (development)');
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(job.concurrency).toEqual({ group: 'apply-development', 'cancel-in-progress': false });
    expect(job['timeout-minutes']).toBeGreaterThan(0);
    const text = JSON.stringify(job);
    expect(text).toContain('vars.NOMAD_APPLY_ROLE_ARN_DEVELOPMENT');
    expect(text).not.toMatch(/_(STAGING|PRODUCTION)\b|secrets\./);
    const creds = steps.filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(creds).toHaveLength(1);
    // Pinned exactly as apply.yml pins it.
    const pinOf = (file: string) =>
      usesLines.find((l) => l.file === file && l.text.includes('configure-aws-credentials'))!.text;
    expect(pinOf('deploy-development.yml').trim()).toBe(pinOf('apply.yml').trim());
    expect(steps[0]!.with).toMatchObject({ ref: 'main', 'persist-credentials': false });
  });

  it('applies the plan file its report hashed, with apply-plan, never bootstrapping', () => {
    const at = (uses: string) => steps.findIndex((s) => s.uses === uses);
    const report = steps.findIndex(
      (s) => s.uses === './actions/report' && s.with?.kind === undefined,
    );
    const apply = at('./actions/apply-plan');
    expect(report).toBeGreaterThan(0);
    expect(apply).toBeGreaterThan(report);
    for (const own of ['provision-keys', 'apply-iam', 'proofs-bucket']) {
      const step = steps.find((s) => s.uses === `./actions/${own}`)!;
      expect(step.with?.mode, own).toBe('plan');
      expect(steps.indexOf(step), own).toBeLessThan(report);
    }
    expect(steps[report]!.with?.comment).toBe('false');
    expect(steps[apply]!.with).toMatchObject({
      environment: 'development',
      'approved-plan': '${{ steps.plan.outputs.plan-file }}',
      commit: '${{ steps.commit.outputs.sha }}',
      bootstrap: 'false',
    });
    const applied = steps.slice(apply).find((s) => s.uses === './actions/report');
    expect(applied?.with).toMatchObject({
      kind: 'applied',
      comment: 'false',
      'keys-json': '${{ steps.apply.outputs.keys-json-file }}',
    });
  });

  it('alerts after a failed or cancelled deploy', () => {
    const alert = deploy.jobs.alert as Job & { if?: string };
    expect(alert.if).toMatch(/failure\(\) \|\| cancelled\(\)/);
    expect(needsOf(alert)).toEqual(['deploy']);
    expect(alert.permissions).toEqual({ contents: 'read', actions: 'read', issues: 'write' });
    expect(alert.steps?.find((s) => s.uses === './actions/alert')?.with).toMatchObject({
      check: 'run',
      workflow: 'apply',
    });
  });
});

describe('keymaster.yml', () => {
  const keymaster = workflow('keymaster.yml');
  const on = keymaster.on as {
    schedule: Array<{ cron: string }>;
    workflow_dispatch: { inputs: Record<string, unknown> };
  };

  it('runs on a schedule that avoids minute 0, and by hand with environment and dry-run', () => {
    expect(on.schedule.length).toBeGreaterThan(0);
    for (const { cron } of on.schedule) {
      const minutes = cron.split(/\s+/)[0]!;
      expect(minutes, cron).not.toMatch(/\*/);
      expect(minutes.split(',').map(Number), cron).not.toContain(0);
    }
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual(
      expect.arrayContaining(['environment', 'dry-run']),
    );
  });

  it('sends from a bank in one concurrency group per repository and environment, never cancelled', () => {
    expect(keymaster.concurrency).toBeUndefined();
    const c = keymaster.jobs.keymaster!.concurrency as {
      group: string;
      'cancel-in-progress': unknown;
    };
    // Another workflow cannot take the group by accident: it names this repository and the
    // environment, not a bare word any workflow could use.
    expect(c.group).toContain('${{ github.repository }}');
    expect(c.group).toContain('${{ matrix.environment }}');
    expect(c.group).toMatch(/keymaster/);
    expect(c['cancel-in-progress']).toBe(false);
    for (const [id, job] of Object.entries(keymaster.jobs)) {
      expect(job['timeout-minutes'], id).toBeGreaterThan(0);
    }
  });

  type Steps = Array<Record<string, unknown>>;
  const stepsOf = (id: string) => (keymaster.jobs[id] as { steps: Steps }).steps;

  it('reads the recorded commit from main with the read-only plan role, no secret, no environment', () => {
    const job = keymaster.jobs.approved!;
    const steps = stepsOf('approved');
    expect(environmentOf(job)).toBeUndefined();
    // Main's code runs here: it gets no secret (not the RPC URLs) and cannot sign.
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    expect(JSON.stringify(job)).not.toContain('NOMAD_KEYMASTER_ROLE_ARN');
    expect(steps.filter((s) => 'run' in s)).toEqual([]);
    expect(steps[0]!.with).toMatchObject({ ref: 'main', 'fetch-depth': 0 });
    const role = steps.find((s) => String(s.uses).startsWith('aws-actions/'))!;
    expect(String((role.with as Record<string, unknown>)['role-to-assume'])).toMatch(
      /^\$\{\{ matrix\.environment == 'production' && vars\.NOMAD_PLAN_ROLE_ARN_PRODUCTION \|\| matrix\.environment == 'staging' && vars\.NOMAD_PLAN_ROLE_ARN_STAGING \|\| '' \}\}$/,
    );
    const approved = steps.find((s) => s.id === 'approved')!;
    expect(approved).toMatchObject({ uses: './actions/keymaster', with: { mode: 'approved' } });
    // One output per environment: a matrix job's outputs are merged across its legs, so one
    // shared name would hand every leg below the commit of whichever leg finished last.
    const outputs = (job as { outputs: Record<string, string> }).outputs;
    for (const env of ['development', 'staging', 'production']) {
      expect(outputs[`commit-${env}`]).toBe(
        `\${{ matrix.environment == '${env}' && steps.approved.outputs.commit || '' }}`,
      );
    }
  });

  it('the Keymaster role runs only the approved checkout: no code of main, no shell', () => {
    const job = keymaster.jobs.keymaster as Job & { needs?: unknown; if?: string; env?: unknown };
    const steps = stepsOf('keymaster');
    expect(job.needs).toBe('approved');
    expect(job.if).toBe('${{ !cancelled() }}');
    expect(job.env).toEqual({
      APPROVED_COMMIT: "${{ needs.approved.outputs[format('commit-{0}', matrix.environment)] }}",
    });
    // Workflows wire, code decides: every decision is in a tested action.
    expect(steps.filter((s) => 'run' in s)).toEqual([]);
    // The only checkout is the approved commit, in its own path, and only when there is one
    // (an empty ref would fetch main's head); every local action comes from that path.
    const checkouts = steps.filter((s) => String(s.uses).startsWith('actions/checkout'));
    expect(checkouts).toEqual([
      expect.objectContaining({
        if: "${{ env.APPROVED_COMMIT != '' }}",
        with: { ref: '${{ env.APPROVED_COMMIT }}', path: 'approved', 'persist-credentials': false },
      }),
    ]);
    const local = steps.filter((s) => !/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/.test(String(s.uses)));
    expect(local.map((s) => s.uses)).toEqual(['./approved/actions/keymaster']);
    const role = steps.findIndex((s) => String(s.uses).startsWith('aws-actions/'));
    expect(role).toBeGreaterThan(steps.indexOf(checkouts[0]!));
    const run = steps.find((s) => s.id === 'keymaster')!;
    expect(run.with).toMatchObject({
      mode: 'top-up',
      'working-directory': 'approved',
      'rpc-urls': '${{ secrets.NOMAD_RPC_URLS }}',
    });
    // Then only the upload of the run's JSON, also after a failed run.
    const upload = steps.at(-1)!;
    expect(steps.indexOf(upload)).toBe(steps.indexOf(run) + 1);
    expect(String(upload.uses)).toMatch(/^actions\/upload-artifact@/);
    expect(upload.if).toContain('always()');
    expect((upload.with as Record<string, unknown>).path).toBe(
      '${{ steps.keymaster.outputs.run-json-file }}',
    );
  });

  it('signs in the {env}-keymaster environment and alerts on failure and on cancellation', () => {
    expect(environmentOf(keymaster.jobs.keymaster!)).toBe('${{ matrix.environment }}-keymaster');
    const alert = keymaster.jobs.alert as Job & { if?: string; needs?: unknown };
    expect(alert.if).toMatch(/failure\(\)/);
    expect(alert.if).toMatch(/cancelled\(\)/);
    expect(alert.needs).toEqual(['approved', 'keymaster']);
    expect(alert.permissions).toEqual({ contents: 'read', actions: 'read', issues: 'write' });
    expect(alert.steps?.find((s) => s.uses === './actions/alert')?.with).toMatchObject({
      check: 'run',
      workflow: 'keymaster',
    });
  });
});

describe('apply.yml alert, keymaster-watchdog.yml, drift.yml', () => {
  it('apply.yml alerts after any of its jobs fails or is cancelled', () => {
    const alert = workflow('apply.yml').jobs.alert as Job & { if?: string; needs?: string[] };
    expect(alert.if).toMatch(/failure\(\) \|\| cancelled\(\)/);
    const others = Object.keys(workflow('apply.yml').jobs).filter((id) => id !== 'alert');
    expect([...(alert.needs ?? [])].sort()).toEqual(others.sort());
  });

  it('the watchdog runs on its own schedule and concurrency group, apart from the Keymaster', () => {
    const watchdog = workflow('keymaster-watchdog.yml');
    const on = watchdog.on as { schedule: { cron: string }[] };
    expect(on.schedule.length).toBeGreaterThan(0);
    const group = (watchdog.concurrency as { group: string }).group;
    expect(group).toContain('${{ github.repository }}');
    const keymasterJob = workflow('keymaster.yml').jobs.keymaster!;
    expect(group).not.toBe((keymasterJob.concurrency as { group: string }).group);
    // The watchdog and the alert job find an environment's runs by this job name.
    expect((keymasterJob as { name?: string }).name).toBe('keymaster (${{ matrix.environment }})');
    const step = watchdog.jobs.watchdog!.steps!.find((s) => s.uses === './actions/alert')!;
    expect(step.with).toMatchObject({
      check: 'watchdog',
      'keymaster-workflow': '.github/workflows/keymaster.yml',
    });
  });

  it('drift plans every environment daily and by hand with the read-only plan role', () => {
    const drift = workflow('drift.yml');
    expect(Object.keys(drift.on as object).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const job = drift.jobs.drift!;
    expect(environmentOf(job)).toBeUndefined();
    const text = JSON.stringify(job);
    expect(text).toContain('NOMAD_PLAN_ROLE_ARN_STAGING');
    expect(text).toContain('NOMAD_PLAN_ROLE_ARN_PRODUCTION');
    expect(text).not.toMatch(/APPLY_ROLE|KEYMASTER_ROLE/);
    for (const id of ['keys', 'iam', 'bucket']) {
      const step = job.steps!.find((s) => (s as { id?: string }).id === id)!;
      expect((step.with as { mode: string }).mode, id).toBe('plan');
    }
  });
});

describe('image.yml', () => {
  it('builds deploy/Dockerfile on release tags only, pushes with provenance, may write packages only', () => {
    const w = workflow('image.yml');
    expect(triggers(w)).toEqual(['push']);
    expect(raw('image.yml')).toMatch(/^ {2}push:\n {4}tags: \['v\*'\]\n/m);
    const jobs = Object.values(w.jobs);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.permissions).toEqual({ contents: 'read', packages: 'write' });
    const build = (jobs[0]!.steps ?? []).map((s) => s.run ?? '').join('\n');
    for (const flag of [
      '--file deploy/Dockerfile',
      '--provenance=mode=max',
      '--sbom=true',
      '--push',
    ]) {
      expect(build).toContain(flag);
    }
    // The token reaches docker on stdin, never on a command line.
    expect(build).toMatch(/docker login ghcr\.io --username "\$ACTOR" --password-stdin/);
  });
});
