import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  runbookAnchor,
  runbookUrl,
  WORKFLOW_ALERT_NAMES,
  WORKFLOW_ALERTS,
} from '../../src/notify/catalog.js';
import type { Alert } from '../../src/notify/message.js';
import { pagerDutyEvent, slackPayload } from '../../src/notify/payloads.js';
import { alertsOfRun, staleAlerts } from '../../src/notify/run-alerts.js';
import { scheduleIntervalSeconds, workflowCrons } from '../../src/notify/schedule.js';
import { sendToWebhooks, type PostJson } from '../../src/notify/send.js';
import { redact } from '../../src/redact.js';
import type { IssuesApi, TrackedIssue } from '../../src/github/issues.js';
import {
  closeTrackingIssue,
  noteOnTrackingIssue,
  setTrackingIssue,
} from '../../src/github/tracking.js';
import { driftFindings, findingsFingerprint } from '../../src/report/drift.js';
import { iamPlanJsonSchema, keysPlanJsonSchema } from '../../src/report/plan-json.js';

const root = path.resolve(import.meta.dirname, '../..');
const alert: Alert = {
  name: 'KeymasterRunFailed',
  environment: 'production',
  repository: 'nomad-xyz/nomad-agent-ops',
  run: { id: '42', url: 'https://github.com/nomad-xyz/nomad-agent-ops/actions/runs/42' },
  what: ['job "keymaster (production)" failed at step "Keymaster"'],
  action: 'trigger',
};

describe('alert payloads', () => {
  it('Slack: names the environment, the run, what failed and the runbook, escaped for mrkdwn', () => {
    const { text } = slackPayload({ ...alert, what: ['a <b> & c'] });
    expect(text).toContain('[production] KeymasterRunFailed');
    expect(text).toContain('<https://github.com/nomad-xyz/nomad-agent-ops/actions/runs/42|42>');
    expect(text).toContain('a &lt;b&gt; &amp; c');
    expect(text).toContain('docs/runbooks/keymaster-alerts.md#keymasterrunfailed');
  });

  it('PagerDuty: an Events v2 trigger with a dedup key per repository, environment and alert', () => {
    const event = pagerDutyEvent(alert, 'R0UTINGKEY0000000000000000000000');
    expect(event).toMatchObject({
      routing_key: 'R0UTINGKEY0000000000000000000000',
      event_action: 'trigger',
      dedup_key: 'nomad-agent-ops/nomad-xyz/nomad-agent-ops/production/KeymasterRunFailed',
      payload: {
        severity: 'critical',
        source: 'nomad-xyz/nomad-agent-ops',
        group: 'production',
        class: 'KeymasterRunFailed',
      },
    });
    expect(event.payload!.summary).toContain('failed at step "Keymaster"');
    expect(event.links!.map((l) => l.href)).toEqual([
      alert.run!.url,
      runbookUrl('KeymasterRunFailed', alert.repository),
    ]);
    const long = pagerDutyEvent({ ...alert, what: ['x'.repeat(2000)] }, 'k');
    expect(long.payload!.summary.length).toBe(1024);
    expect(pagerDutyEvent({ ...alert, action: 'resolve' }, 'k')).toEqual({
      routing_key: 'k',
      event_action: 'resolve',
      dedup_key: 'nomad-agent-ops/nomad-xyz/nomad-agent-ops/production/KeymasterRunFailed',
    });
  });

  it('a failing or unreachable webhook is an outcome, never a throw, and never shows the secrets', async () => {
    const url = 'https://hooks.example.com/services/T0000SECRET/B0000SECRET/XXXXXXXXXXXXXXXXSECRET';
    const key = 'pdkey-1234567890abcdef1234567890';
    const post: PostJson = async (to) => {
      if (to.includes('hooks')) throw new Error(`connect ECONNREFUSED ${to}`);
      return { status: 400, text: `bad routing key ${key}` };
    };
    const out = await sendToWebhooks(
      alert,
      {
        slackWebhookUrl: url,
        pagerDutyRoutingKey: key,
        pagerDutyUrl: 'https://pd.test/v2/enqueue',
      },
      post,
    );
    expect(out.map((o) => [o.channel, o.sent])).toEqual([
      ['slack', false],
      ['pagerduty', false],
    ]);
    const text = JSON.stringify(out);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain(key);
    expect(text).toContain('HTTP 400');
    expect(redact(url)).not.toContain('SECRET');
  });

  it('sends nothing to channels that are not configured', async () => {
    const post: PostJson = () => Promise.reject(new Error('must not be called'));
    expect(await sendToWebhooks(alert, {}, post)).toEqual([]);
  });
});

describe('alerts of a run', () => {
  const base = { repository: 'o/r', run: { id: '7', url: 'u' }, fallbackEnvironment: 'all' };
  const job = (name: string, conclusion: string | null, step?: string) => ({
    name,
    status: conclusion ? 'completed' : 'in_progress',
    conclusion,
    completedAt: null,
    url: '',
    steps: step
      ? [
          { name: 'ok', conclusion: 'success' },
          { name: step, conclusion },
        ]
      : [],
  });

  it('one alert per environment: failed wins over cancelled, skipped and running jobs say nothing', () => {
    const alerts = alertsOfRun(
      'keymaster',
      [
        job('keymaster (staging)', 'cancelled'),
        job('keymaster (production)', 'failure', 'Keymaster'),
        job('keymaster (development)', 'skipped'),
        job('alert', null),
      ],
      base,
    );
    expect(alerts.map((a) => [a.environment, a.name, a.what])).toEqual([
      ['staging', 'KeymasterRunCancelled', ['job "keymaster (staging)" was cancelled']],
      [
        'production',
        'KeymasterRunFailed',
        ['job "keymaster (production)" failed at step "Keymaster"'],
      ],
    ]);
  });

  it('an apply run alerts ApplyFailed, for its plan or apply job', () => {
    const alerts = alertsOfRun(
      'apply',
      [job('plan (production)', 'success'), job('apply (production)', 'timed_out', 'Apply IAM')],
      base,
    );
    expect(alerts.map((a) => [a.environment, a.name, a.what[0]])).toEqual([
      ['production', 'ApplyFailed', 'job "apply (production)" timed out at step "Apply IAM"'],
    ]);
  });

  it('stale: older than the limit, or never found; fresh otherwise', () => {
    const now = new Date('2027-03-01T12:00:00Z');
    const { alerts, fresh } = staleAlerts(
      [
        { environment: 'staging', at: '2027-03-01T10:31:00Z' },
        { environment: 'production', at: '2027-03-01T10:29:00Z' },
        { environment: 'sandbox' },
      ],
      now,
      5400,
      { repository: 'o/r', intervalSeconds: 1800 },
    );
    expect(fresh).toEqual(['staging']);
    expect(alerts.map((a) => [a.environment, a.name])).toEqual([
      ['production', 'KeymasterRunStale'],
      ['sandbox', 'KeymasterRunStale'],
    ]);
    expect(alerts[0]!.what[0]).toContain('91 min ago');
  });
});

describe('the schedule interval', () => {
  it('is the longest gap of the union of the crons', () => {
    expect(scheduleIntervalSeconds(['17,47 * * * *'])).toBe(1800);
    expect(scheduleIntervalSeconds(['*/15 * * * *'])).toBe(900);
    expect(scheduleIntervalSeconds(['5 */6 * * *'])).toBe(6 * 3600);
    expect(scheduleIntervalSeconds(['0 9 * * 1-5'])).toBe(3 * 86400); // Friday to Monday
    expect(scheduleIntervalSeconds(['10 * * * *', '40 0-11 * * *'])).toBe(3600);
  });

  it('refuses what GitHub would not run', () => {
    expect(() => scheduleIntervalSeconds(['61 * * * *'])).toThrow(/minute "61" is outside/);
    expect(() => scheduleIntervalSeconds(['* * *'])).toThrow(/five fields/);
    expect(() => scheduleIntervalSeconds([])).toThrow(/no schedule/);
  });

  it("comes from keymaster.yml's own schedule", () => {
    const text = readFileSync(path.join(root, '.github/workflows/keymaster.yml'), 'utf8');
    const crons = workflowCrons(parse(text), 'keymaster.yml');
    expect(crons.length).toBeGreaterThan(0);
    expect(scheduleIntervalSeconds(crons)).toBeGreaterThanOrEqual(60);
  });
});

describe('the runbooks', () => {
  // GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces as hyphens.
  const anchors = (file: string) =>
    [
      ...readFileSync(path.join(root, 'docs/runbooks', file), 'utf8').matchAll(/^#{2,3} (.+)$/gm),
    ].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );

  it('have one section per workflow alert, at the anchor the alert links', () => {
    for (const name of WORKFLOW_ALERT_NAMES) {
      expect(anchors(WORKFLOW_ALERTS[name].runbook), name).toContain(runbookAnchor(name));
    }
  });
});

describe('tracking issues', () => {
  const bot = { login: 'github-actions[bot]', type: 'Bot' };
  function memoryIssues(seed: TrackedIssue[] = []) {
    const issues = [...seed];
    const comments = new Map<number, string[]>();
    const api: IssuesApi = {
      listOpen: async () => issues.filter((i) => i.state === 'open'),
      ensureLabel: async () => {},
      create: async (title, body) => {
        const issue = {
          number: 100 + issues.length,
          title,
          body,
          url: `u/${issues.length}`,
          state: 'open' as const,
          author: bot,
        };
        issues.push(issue);
        return issue;
      },
      update: async (number, change) =>
        Object.assign(
          issues.find((i) => i.number === number)!,
          change,
        ),
      comment: async (number, body) =>
        void comments.set(number, [...(comments.get(number) ?? []), body]),
      botComments: async (number) => comments.get(number) ?? [],
    };
    return { api, issues, comments };
  }
  const t = {
    label: 'drift',
    marker: '<!-- nomad-agent-ops:drift:staging -->',
    title: 'Drift',
    botLogin: 'github-actions[bot]',
  };

  it("believes only the bot's own issue: a person's pasted marker gets a new issue", async () => {
    const planted = {
      number: 1,
      title: 'x',
      body: t.marker,
      url: 'u',
      state: 'open' as const,
      author: { login: 'mallory', type: 'User' },
    };
    const { api, issues } = memoryIssues([planted]);
    const out = await setTrackingIssue(api, t, 'findings');
    expect(out.action).toBe('opened');
    expect(planted.body).toBe(t.marker);
    expect(issues).toHaveLength(2);
  });

  it('sets, leaves unchanged, updates, and closes', async () => {
    const { api, comments } = memoryIssues();
    expect((await setTrackingIssue(api, t, 'a')).action).toBe('opened');
    expect((await setTrackingIssue(api, t, 'a')).action).toBe('unchanged');
    expect((await setTrackingIssue(api, t, 'b')).action).toBe('updated');
    const closed = await closeTrackingIssue(api, t, 'clean');
    expect(closed?.state).toBe('closed');
    expect(comments.get(closed!.number)).toEqual(['clean']);
    expect(await closeTrackingIssue(api, t, 'clean')).toBeUndefined();
  });

  it('notes a fingerprint once', async () => {
    const { api, comments } = memoryIssues();
    expect((await noteOnTrackingIssue(api, t, 'n1', 'f1', 'intro')).action).toBe('opened');
    expect((await noteOnTrackingIssue(api, t, 'n1', 'f1', 'intro')).action).toBe('already-noted');
    expect((await noteOnTrackingIssue(api, t, 'n2', 'f2', 'intro')).action).toBe('commented');
    expect((await noteOnTrackingIssue(api, t, 'n2', 'f2', 'intro')).action).toBe('already-noted');
    expect([...comments.values()].flat()).toHaveLength(1);
  });
});

describe('drift findings', () => {
  it('sorts the plan into drift, broken, leftover and not applied', () => {
    const row = (action: string, id: string) => ({
      kind: 'policy',
      id,
      action,
      reason: `${action} ${id}`,
      group: 'iam',
    });
    const findings = driftFindings({
      iam: iamPlanJsonSchema.parse({
        ok: false,
        summary: {},
        changes: [
          row('exists', 'a'),
          row('drift', 'b'),
          row('update', 'c'),
          row('remove', 'd'),
          row('broken', 'e'),
        ],
      }),
      keys: keysPlanJsonSchema.parse({
        ok: true,
        attestation: [],
        keys: [
          {
            alias: 'alias/x',
            region: 'r',
            keyId: 'k1',
            arn: '',
            description: '',
            address: '',
            status: 'leftover',
            purpose: 'agent',
            store: 'kms',
          },
          {
            alias: 'alias/y',
            region: 'r',
            keyId: '',
            arn: '',
            description: '',
            address: '',
            status: 'create',
            purpose: 'agent',
            store: 'kms',
          },
        ],
        funding: {
          action: 'record',
          sha256: 'ab'.repeat(32),
          settings: {},
          recorded: { sha256: 'cd'.repeat(32), commit: 'ef'.repeat(20) },
          baseline: 'recorded',
          changes: [{ setting: 'ethereum.capPerRun' }],
        },
      }),
    });
    expect(findings.map((f) => [f.kind, f.subject])).toEqual([
      ['drift', 'policy b'],
      ['broken', 'policy e'],
      ['leftover', 'key k1 (alias/x)'],
      ['leftover', 'policy d'],
      ['not-applied', 'funding settings'],
      ['not-applied', 'key alias/y'],
      ['not-applied', 'policy c'],
    ]);
    expect(findings.find((f) => f.subject === 'funding settings')!.reason).toContain(
      '(commit efefefe); changed: ethereum.capPerRun',
    );
    expect(findingsFingerprint(findings)).not.toBe(findingsFingerprint(findings.slice(1)));
    expect(
      driftFindings({
        iam: iamPlanJsonSchema.parse({ ok: true, summary: {}, changes: [row('exists', 'a')] }),
      }),
    ).toEqual([]);
  });
});
