/**
 * The gated apply carries out the approved plan and nothing else (issue 24 item 5), on moto: it
 * reads once, and when AWS moved after the plan (a key alias made by hand, an IAM policy edited
 * by hand) it stops before its first write; AWS is left exactly as it was. An unchanged state is
 * applied from that one read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreatePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  paginateListAliases,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { kmsFundingRecord } from '../../src/aws/funding-record.js';
import type { AwsClients } from '../../src/aws/clients.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketJob, iamJob } from '../../src/jobs/iam.js';
import { applyApprovedJob, readApprovedPlan } from '../../src/jobs/apply-approved.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { inventoryOf, loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { readIamPlan, readKeysPlan } from '../../src/jobs/plan-inputs.js';
import { STATE_CHANGED } from '../../src/report/approved-plan.js';
import { planFile, type PlanFile } from '../../src/report/plan-hash.js';
import { samePolicy } from '../../src/plan/policy-document.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';

const ACCOUNT = nextAccountId();
const COMMIT = 'c'.repeat(40);
const noFile = (): string => {
  throw new Error('no file');
};

let workspace: string;
let env: ResolvedEnvironment;
let clients: AwsClients;
let vars: Record<string, string>;

beforeAll(async () => {
  workspace = workspaceWithAccounts({ staging: ACCOUNT }, { bucketSuffix: bucketSuffix(ACCOUNT) });
  env = loadEnvironment('staging', workspace);
  vars = await motoEnv(requireMotoUrl(), ACCOUNT);
  clients = await awsForEnvironment(env, vars);
  // The administrator's one-time bootstrap (docs/github-setup.md): IAM with the OIDC roles.
  expect((await iamJob(env, clients, { mode: 'apply', bootstrap: true })).ok).toBe(true);
});

/** What the apply workflow's plan job uploads: each section as the actions write and read it. */
async function approvedPlan(): Promise<PlanFile> {
  const keys = await keysJob(env, clients, 'plan', { verifyKeyTrust: true });
  const iam = await iamJob(env, clients, { mode: 'plan', bootstrap: false });
  const bucket = await bucketJob(env, clients, 'plan');
  const text = JSON.stringify(
    planFile(
      {
        environment: 'staging',
        keys: readKeysPlan({ name: 'keys-json', text: JSON.stringify(keys.json) }, noFile),
        iam: readIamPlan({ name: 'iam-json', text: iam.json }, noFile),
        bucket: readIamPlan({ name: 'bucket-json', text: bucket.json }, noFile),
      },
      COMMIT,
    ),
  );
  // Read back as the apply action reads the downloaded artifact.
  return readApprovedPlan('staging', text, noFile);
}

const apply = (approved: PlanFile) =>
  applyApprovedJob(env, clients, { approved, commit: COMMIT, verifyKeyTrust: true });

async function stagingAliases(): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateListAliases({ client: clients.kms }, {})) {
    for (const a of page.Aliases ?? []) {
      if (a.AliasName?.startsWith('alias/staging-')) out.push(a.AliasName);
    }
  }
  return out.sort();
}

const bucketExists = () =>
  clients.s3.send(new HeadBucketCommand({ Bucket: env.proofsBucket.name })).then(
    () => true,
    () => false,
  );

const bankRecord = () => kmsFundingRecord(clients.kms, 'alias/staging-bank').read();

describe('the apply of an approved plan (staging on moto)', () => {
  let handKey = '';

  it('a key alias made by hand after the plan: refused, nothing written', async () => {
    const approved = await approvedPlan();
    const bank = approved.keys!.keys.find((k) => k.purpose === 'bank')!;
    expect(bank.status).toBe('create');
    expect(approved.bucket!.changes.some((c) => c.action === 'create')).toBe(true);

    const { KeyMetadata } = await clients.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    handKey = KeyMetadata!.KeyId!;
    const someAlias = approved.keys!.keys.find((k) => k.purpose !== 'bank')!.alias;
    await clients.kms.send(new CreateAliasCommand({ AliasName: someAlias, TargetKeyId: handKey }));

    const result = await apply(approved);
    expect(result.ok).toBe(false);
    expect(result.decision.message).toContain(STATE_CHANGED);
    expect(result.decision.message).toContain('Nothing was written');
    expect(result.decision.differences.join('\n')).toContain(
      `\`${someAlias}\` approved create, now`,
    );
    expect(result.keys ?? result.iam ?? result.bucket).toBeUndefined();
    // AWS as it was: the hand-made alias only, no bucket, nothing recorded on a bank.
    expect(await stagingAliases()).toEqual([someAlias]);
    expect(await bucketExists()).toBe(false);
    expect(await bankRecord()).toMatchObject({ bank: 'missing' });
  }, 240_000);

  it('an unchanged state is applied from the one read: keys, funding record, bucket', async () => {
    const handAlias = (await stagingAliases())[0]!;
    await clients.kms.send(new DeleteAliasCommand({ AliasName: handAlias }));
    await clients.kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: handKey, PendingWindowInDays: 7 }),
    );
    const approved = await approvedPlan();
    const result = await apply(approved);
    expect(result.decision.message, result.failed?.message).toMatch(/is the plan approved/);
    expect(result.ok, result.failed?.message).toBe(true);
    expect(result.keys!.created).toBe(approved.keys!.keys.length);
    expect(await stagingAliases()).toEqual(approved.keys!.keys.map((k) => k.alias).sort());
    expect(await bucketExists()).toBe(true);
    expect(await bankRecord()).toMatchObject({ bank: 'found', record: { commit: COMMIT } });
    // A plan now has nothing left to write.
    const again = await approvedPlan();
    expect(again.keys!.keys.every((k) => k.status === 'exists')).toBe(true);
    expect(again.keys!.funding!.action).toBe('exists');
  }, 240_000);

  it('an IAM policy edited by hand after the plan: refused, the funding change not recorded', async () => {
    const file = path.join(workspace, 'environments/staging.yaml');
    const text = readFileSync(file, 'utf8');
    const raised = text.replace(/capPerRun: '([0-9.]+)'/, "capPerRun: '4242'");
    expect(raised).not.toBe(text);
    writeFileSync(file, raised);
    env = loadEnvironment('staging', workspace);
    const before = await bankRecord();
    const approved = await approvedPlan();
    expect(approved.keys!.funding!.action).toBe('record');

    const policy = inventoryOf(env).iam.policies.find((p) => p.name === 'staging-updater-signer')!;
    const widened = structuredClone(policy.document);
    widened.Statement[0]!.Action = ['kms:*'];
    await clients.iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: policy.arn,
        PolicyDocument: JSON.stringify(widened),
        SetAsDefault: true,
      }),
    );

    const result = await apply(approved);
    expect(result.ok).toBe(false);
    expect(result.decision.message).toContain(STATE_CHANGED);
    expect(result.decision.differences).toContain(
      `iam: \`iam-policy ${policy.name}\` approved exists, now update`,
    );
    // Nothing written: the bank records what it did, the hand edit is still the policy.
    expect(await bankRecord()).toEqual(before);
    const { Policy } = await clients.iam.send(new GetPolicyCommand({ PolicyArn: policy.arn }));
    const { PolicyVersion } = await clients.iam.send(
      new GetPolicyVersionCommand({ PolicyArn: policy.arn, VersionId: Policy!.DefaultVersionId }),
    );
    expect(samePolicy(decodeURIComponent(PolicyVersion!.Document!), widened)).toBe(true);

    // `nomad-ops apply --approved-plan` refuses the same way (exit 1), and a file that is not a
    // plan before any AWS call (exit 2).
    const planPath = path.join(workspace, 'staging-plan.json');
    writeFileSync(planPath, JSON.stringify(approved));
    const refused = await cli(
      ['apply', '--env', 'staging', '--approved-plan', planPath, '--commit', COMMIT],
      { cwd: workspace, env: vars },
    );
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toContain(STATE_CHANGED);
    const missing = await cli(
      ['apply', '--env', 'staging', '--approved-plan', 'no-such-plan.json'],
      { cwd: workspace, env: vars },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/approved-plan is neither JSON nor a readable file/);
    expect(await bankRecord()).toEqual(before);
  }, 240_000);
});
