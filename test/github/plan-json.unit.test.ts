import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { applyGuardJob } from '../../src/jobs/apply-guard.js';
import { reportJob } from '../../src/jobs/report.js';
import { iamJson, changeGroup } from '../../src/report/iam.js';
import { keysPlanJsonSchema } from '../../src/report/plan-json.js';
import { iamPlan, keysPlan } from './plans.js';

/** The plan JSON boundary: what the writers output, the readers parse with the same schemas. */

const noFile = (file: string): string => {
  throw new Error(`no file ${file} in this test`);
};

const reportInputs = (json: Partial<Record<'keys' | 'iam' | 'bucket' | 'keymaster', string>>) => ({
  environment: 'staging',
  kind: 'plan' as const,
  json: { keys: '', iam: '', bucket: '', keymaster: '', ...json },
  markdown: { keys: '', iam: '', bucket: '', keymaster: '' },
  offline: '',
  commit: 'a'.repeat(40),
  readFile: noFile,
});

describe('the plan JSON boundary', () => {
  it('gives every IAM and bucket change row its group, and the report groups by it', () => {
    const json = iamJson({
      ok: true,
      changes: [
        { kind: 'iam-policy', id: 'staging-kovan-signer', action: 'create', reason: 'new' },
        { kind: 'iam-role', id: 'nomad-ops-staging-plan', action: 'update', reason: 'trust' },
        { kind: 's3-bucket-policy', id: 'nomadxyz-staging-proofs', action: 'update', reason: 'x' },
      ],
    });
    const rows = (JSON.parse(json) as { changes: Array<{ id: string; group: string }> }).changes;
    expect(rows.map((r) => [r.id, r.group])).toEqual([
      ['staging-kovan-signer', 'iam'],
      ['nomad-ops-staging-plan', 'github-oidc'],
      ['nomadxyz-staging-proofs', 'bucket'],
    ]);
    // A contracted operator's role is agents' IAM, not a workflow role.
    expect(
      changeGroup({
        kind: 'iam-role',
        id: 'nomad-ops-staging-operator-acme',
        action: 'create',
        reason: '',
      }),
    ).toBe('iam');

    const report = reportJob(reportInputs({ iam: json }));
    const oidc = report.summary.indexOf('### GitHub OIDC provider and roles');
    expect(oidc).toBeGreaterThan(0);
    expect(report.summary.slice(oidc)).toContain('nomad-ops-staging-plan');
    expect(report.summary.slice(0, oidc)).toContain('staging-kovan-signer');
  });

  it('reads back what the keys writer wrote, and the plan file the guard compares with', () => {
    const keys = JSON.stringify(keysPlan('staging', 8, { create: 2 }));
    const iam = JSON.stringify(iamPlan(['staging-relayer-signer']));
    const report = reportJob(reportInputs({ keys, iam }));
    expect(report.file?.environment).toBe('staging');
    expect(keysPlanJsonSchema.parse(JSON.parse(keys))).toEqual(JSON.parse(keys));
    const guard = applyGuardJob({
      environment: 'staging',
      keysJson: keys,
      iamJson: iam,
      bucketJson: '',
      approvedPlan: JSON.stringify(report.file),
      readFile: noFile,
    });
    expect(guard.decision.ok).toBe(true);
    expect(guard.decision.currentHash).toBe(report.file?.sha256);
  });

  it('refuses a plan that is not what the writer outputs, naming the input and the field', () => {
    const rows = JSON.parse(JSON.stringify(iamPlan(['p']))) as {
      changes: Array<Record<string, unknown>>;
    };
    delete rows.changes[0]!.group;
    const run = () => reportJob(reportInputs({ iam: JSON.stringify(rows) }));
    expect(run).toThrow(InputError);
    expect(run).toThrow(/^iam-json is not the plan JSON the toolkit writes \(changes\.0\.group: /);

    const keys = keysPlan('staging', 2);
    const bad = { ...keys, keys: [{ ...keys.keys[0]!, status: 'made' }] };
    expect(() => reportJob(reportInputs({ keys: JSON.stringify(bad) }))).toThrow(
      /keys-json .*keys\.0\.status/,
    );

    expect(() =>
      applyGuardJob({
        environment: 'staging',
        keysJson: JSON.stringify(keys),
        iamJson: '',
        bucketJson: '',
        approvedPlan: JSON.stringify({ keys }),
        readFile: noFile,
      }),
    ).toThrow(/approved-plan is not the plan JSON .*environment/);
  });
});
