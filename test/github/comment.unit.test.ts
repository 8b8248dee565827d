import { describe, expect, it } from 'vitest';
import { commentMarker, planHashMarker, readPlanHash } from '../../src/report/comment/markers.js';
import { isOidcChange } from '../../src/report/iam.js';
import {
  measure,
  renderComment,
  renderReport,
  sectionCap,
  type CommentInput,
} from '../../src/report/comment/render.js';
import { reportSections } from '../../src/report/comment/sections.js';
import { iamPlan, keysPlan } from './plans.js';

const base = (sections: CommentInput['sections']): CommentInput => ({
  kind: 'plan',
  environment: 'staging',
  planHash: '0123456789ab',
  runUrl: 'https://github.com/o/r/actions/runs/9',
  sections,
});

const lines = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix} line ${i}`).join('\n');

describe('markers', () => {
  it('carry the environment, and the hash is read back only for its environment', () => {
    const body = renderReport(base([{ title: 'x', body: 'y' }]));
    expect(body.startsWith(commentMarker('plan', 'staging'))).toBe(true);
    expect(body).toContain(planHashMarker('staging', '0123456789ab'));
    expect(readPlanHash(body, 'staging')).toBe('0123456789ab');
    expect(readPlanHash(body, 'production')).toBeUndefined();
    // "staging" must not match a marker of an environment whose name merely starts with it.
    expect(readPlanHash(planHashMarker('staging-eu', 'aaaaaaaaaaaa'), 'staging')).toBeUndefined();
  });

  it('an applied comment has its own marker and no hash marker', () => {
    const body = renderReport({ ...base([]), kind: 'applied' });
    expect(body).toContain(commentMarker('applied', 'staging'));
    expect(body).not.toContain(commentMarker('plan', 'staging'));
    expect(readPlanHash(body, 'staging')).toBeUndefined();
  });
});

describe('renderComment', () => {
  it('is the whole report when it fits', () => {
    const input = base([{ title: 'Keys', body: lines(10, 'k') }]);
    expect(renderComment(input)).toBe(renderReport(input));
  });

  it('cuts the longest section first and leaves shorter ones whole, with the link', () => {
    const long = lines(3_000, 'key');
    const medium = lines(200, 'iam');
    const short = 'bucket: nothing planned';
    const input = base([
      { title: 'Keys', body: long },
      { title: 'IAM', body: medium },
      { title: 'Bucket', body: short },
    ]);
    const limit = 20_000;
    const comment = renderComment(input, limit);
    expect(measure(comment)).toBeLessThanOrEqual(limit);
    expect(comment).toContain(medium);
    expect(comment).toContain(short);
    expect(comment).toContain('key line 0\n');
    expect(comment).not.toContain('key line 2999');
    expect(comment).toMatch(
      /lines shown\)\. The whole section is in the \[job summary\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/9\)/,
    );
    expect(readPlanHash(comment, 'staging')).toBe('0123456789ab');
  });

  it('cuts two long sections to a common size rather than dropping one', () => {
    const input = base([
      { title: 'A', body: lines(2_000, 'a') },
      { title: 'B', body: lines(2_000, 'b') },
    ]);
    const comment = renderComment(input, 30_000);
    expect(measure(comment)).toBeLessThanOrEqual(30_000);
    expect(comment).toContain('a line 100\n');
    expect(comment).toContain('b line 100\n');
  });

  it('closes a code fence and <details> it cut through', () => {
    const diff =
      '<details><summary>policy</summary>\n\n```diff\n' +
      lines(5_000, '+ "kms:Sign"') +
      '\n```\n\n</details>';
    const comment = renderComment(base([{ title: 'IAM', body: diff }]), 10_000);
    const fences = comment.split('\n').filter((l) => l.startsWith('```'));
    expect(fences.length % 2).toBe(0);
    expect(comment.match(/<details>/g)?.length).toBe(comment.match(/<\/details>/g)?.length);
  });

  it('counts bytes, so a comment of multi-byte characters stays within the limit', () => {
    const input = base([{ title: 'Keys', body: lines(4_000, '🆕 ключ') }]);
    const comment = renderComment(input, 8_000);
    expect(Buffer.byteLength(comment)).toBeLessThanOrEqual(8_000);
  });
});

describe('sectionCap', () => {
  it('leaves everything whole when it fits and caps only the longest otherwise', () => {
    expect(sectionCap([10, 20], 100)).toBe(Infinity);
    expect(sectionCap([10, 20, 1_000], 100)).toBe(70);
    expect(sectionCap([500, 1_000], 100)).toBe(50);
  });
});

describe('reportSections', () => {
  it('marks new keys, lists attestation addresses and splits OIDC from the agents IAM', () => {
    const keys = keysPlan('staging', 16, { create: 2 });
    const iam = iamPlan(
      ['staging-processor-signer'],
      [
        {
          kind: 'iam-role',
          id: 'nomad-ops-staging-apply',
          action: 'broken',
          reason: 'a bootstrap resource',
        },
        {
          kind: 'iam-oidc-provider',
          id: 'token.actions.githubusercontent.com',
          action: 'exists',
          reason: 'as wanted',
        },
      ],
    );
    const sections = reportSections({ keys, iam, bucket: iamPlan([]) });
    expect(sections.map((s) => s.title)).toEqual([
      'Keys and addresses',
      'Attestation addresses',
      'IAM',
      'GitHub OIDC provider and roles',
      'Proofs bucket',
    ]);
    const table = sections[0]!.body;
    const created = keys.keys.filter((k) => k.status === 'create').map((k) => k.alias);
    for (const alias of created) expect(table).toContain(`${alias} 🆕`);
    expect(table.match(/🆕 \|/g)).toHaveLength(created.length);
    expect(sections[2]!.body).toContain('staging-processor-signer');
    expect(sections[2]!.body).not.toContain('nomad-ops-staging-apply');
    expect(sections[3]!.body).toContain('nomad-ops-staging-apply');
    expect(
      isOidcChange({
        kind: 'iam-policy-attachment',
        id: 'x on nomad-ops-staging-plan',
        action: 'create',
        reason: '',
      }),
    ).toBe(true);
  });

  it('lists leftover keys with what apply does about them, even when nothing else changes', () => {
    const keys = keysPlan('staging', 4);
    const extra = '1111aaaa-1234-5678-9abc-000000000001';
    keys.keys.push({
      ...keys.keys[0]!,
      keyId: extra,
      arn: `arn:aws:kms:us-west-2:210987654321:key/${extra}`,
      address: '',
      status: 'leftover',
      leftover: 'schedule-deletion',
      reason: `key ${extra} (Enabled) is tagged for ${keys.keys[0]!.alias} but no alias points at it: apply disables it and schedules its deletion in 30 days`,
    });
    const body = reportSections({ keys })[0]!.body;
    expect(body).toContain('**Leftover keys**');
    expect(body).toContain(`\`${extra}\` for \`${keys.keys[0]!.alias}\` (leftover): key ${extra}`);
    expect(body).toContain('schedules its deletion in 30 days');
    expect(body).toContain('(leftover: see below)');
    expect(body).toMatch(/4 exists, 1 leftover/);
  });

  it('lists wallets below lower and the top-ups from the Keymaster JSON, not healthy ones', () => {
    const keymaster = {
      decisions: [
        {
          network: 'kovan',
          roles: ['relayer'],
          address: '0xaaa',
          balance: { known: true, wei: '1' },
          lower: '5',
          target: '10',
          amount: '9',
          reason: 'funded',
          detail: 'below lower',
        },
        {
          network: 'kovan',
          roles: ['updater'],
          address: '0xbbb',
          balance: { known: true, wei: '50' },
          lower: '5',
          target: '10',
          amount: '0',
          reason: 'healthy',
          detail: '',
        },
        {
          network: 'goerli',
          roles: ['watcher'],
          address: '0xccc',
          balance: { known: false, reason: 'timeout' },
          lower: '5',
          target: '10',
          amount: '0',
          reason: 'balance-unknown',
          detail: 'rpc',
        },
      ],
    };
    const [section] = reportSections({
      keymaster,
      markdown: { keymaster: '## Keymaster staging: ok' },
    });
    expect(section!.body).toMatch(
      /2 wallet\(s\) below `lower`; a Keymaster run would make 1 top-up/,
    );
    expect(section!.body).toContain('| kovan | relayer | 0xaaa | 1 wei | 5 wei | 10 wei | 9 wei |');
    expect(section!.body).toContain('0xccc');
    expect(section!.body).not.toContain('0xbbb');
    expect(section!.body).toContain('## Keymaster staging: ok');
  });

  it('uses the markdown of a plan whose JSON was not given, and shows an offline plan', () => {
    const sections = reportSections({
      markdown: { iam: '**Plan:** 1 create' },
      offline: 'Keys\n```x```',
    });
    expect(sections[0]).toEqual({ title: 'IAM', body: '**Plan:** 1 create' });
    expect(sections[1]!.body.match(/```/g)).toHaveLength(2);
  });
});
