import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/plan/change.js';
import { diffPolicies, renderPolicy } from '../../src/plan/policy-document.js';
import { iamJson, iamTable, renderIamConsole, renderIamMarkdown } from '../../src/report/iam.js';

const before = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Sign', 'kms:Decrypt'], Resource: '*' }],
};
const after = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'kms:Sign', Resource: '*' }],
};

const changes: Change[] = [
  {
    kind: 'iam-user',
    id: 'nomad-signer-staging',
    action: 'exists',
    reason: 'exists as wanted',
    detail: {},
  },
  {
    kind: 'iam-policy',
    id: 'staging-processor-signer',
    action: 'update',
    reason: 'document differs',
    detail: { diff: diffPolicies(before, after) },
  },
  {
    kind: 'iam-policy',
    id: 'staging-uploader',
    action: 'create',
    reason: 'no such policy',
    detail: { document: renderPolicy(after) },
  },
  { kind: 'iam-user', id: 'old | user', action: 'remove', reason: 'no longer wanted', detail: {} },
  {
    kind: 'iam-group',
    id: 'kms-admin',
    action: 'broken',
    reason: 'under path /, not /nomad-agent-ops/',
    detail: {},
  },
];

describe('access report', () => {
  it('tables what changes, counts what does not, and marks removals as needing prune', () => {
    const table = iamTable(changes);
    expect(table.rows.map((r) => `${r[0]} ${r[2]}`)).toEqual([
      'update staging-processor-signer',
      'create staging-uploader',
      'remove (with --prune) old | user',
      'broken kms-admin',
    ]);
    expect(iamTable(changes, { prune: true, showUnchanged: true }).rows).toHaveLength(5);
  });

  it('shows a changed policy as a diff and a new one as additions, in console and markdown', () => {
    const text = renderIamConsole(changes, { title: 'IAM staging' });
    expect(text).toContain('Plan: 1 broken, 1 remove, 1 update, 1 create, 1 exists');
    expect(text).toMatch(/^ {4}- +"kms:Decrypt",$/m);
    const md = renderIamMarkdown(changes);
    expect(md).toContain('<details><summary>update iam-policy staging-processor-signer</summary>');
    expect(md).toMatch(/```diff\n[\s\S]*- +"kms:Decrypt",[\s\S]*```/);
    expect(md).toContain('old \\| user');
    expect(md).toContain('+ {');
  });

  it('keeps a document with backticks inside its fence', () => {
    const odd: Change[] = [
      {
        kind: 'iam-policy',
        id: 'p',
        action: 'update',
        reason: 'x',
        detail: { diff: '- "Sid": "a```b"' },
      },
    ];
    expect(renderIamMarkdown(odd)).toContain('````diff');
  });

  it('renders JSON for machines with counts', () => {
    const parsed = JSON.parse(iamJson({ changes, ok: false })) as {
      ok: boolean;
      summary: Record<string, number>;
      changes: unknown[];
    };
    expect(parsed.ok).toBe(false);
    expect(parsed.summary.update).toBe(1);
    expect(parsed.changes).toHaveLength(5);
  });
});
