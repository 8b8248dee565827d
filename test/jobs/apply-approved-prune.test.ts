/**
 * `--prune` is approved like any other apply (issue 26 item 4), on moto: the plan says whether it
 * prunes (keys-json `prune: true`, hashed), and the apply of an approved plan retires exactly the
 * orphaned rows the approved plan retires: a non-prune plan never retires an orphan, a prune
 * plan reviewers approved does, and a plan file whose prune flag was flipped is refused.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  paginateListAliases,
} from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketJob, iamJob } from '../../src/jobs/iam.js';
import { applyApprovedJob, readApprovedPlan } from '../../src/jobs/apply-approved.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { readIamPlan, readKeysPlan } from '../../src/jobs/plan-inputs.js';
import { STATE_CHANGED } from '../../src/report/approved-plan.js';
import { planFile, type PlanFile } from '../../src/report/plan-hash.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../src/inventory/tags.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';

const ACCOUNT = nextAccountId();
const COMMIT = 'd'.repeat(40);
const ORPHAN_ALIAS = 'alias/staging-gone-updater-attestation';
const noFile = (): string => {
  throw new Error('no file');
};

let env: ResolvedEnvironment;
let clients: AwsClients;

beforeAll(async () => {
  const workspace = workspaceWithAccounts(
    { staging: ACCOUNT },
    { bucketSuffix: bucketSuffix(ACCOUNT) },
  );
  // A grace period of its own: the orphan's deletion waits that long, not KMS's 30 days.
  appendFileSync(
    path.join(workspace, 'environments/staging.yaml'),
    'keys:\n  gracePeriodDays: 9\n',
  );
  env = loadEnvironment('staging', workspace);
  expect(env.gracePeriodDays).toBe(9);
  clients = await awsForEnvironment(env, await motoEnv(requireMotoUrl(), ACCOUNT));
  expect((await iamJob(env, clients, { mode: 'apply', bootstrap: true })).ok).toBe(true);
  expect((await keysJob(env, clients, 'apply', {})).ok).toBe(true);
  expect((await bucketJob(env, clients, 'apply')).ok).toBe(true);
  // The attestation key of a network that left the file (no wallet to drain: ready for --prune).
  const { KeyMetadata } = await clients.kms.send(
    new CreateKeyCommand({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Tags: Object.entries({
        [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
        [TAG_KEYS.environment]: 'staging',
        [TAG_KEYS.network]: 'gone',
        [TAG_KEYS.keyName]: 'updater-attestation',
        [TAG_KEYS.purpose]: 'attestation',
        [TAG_KEYS.alias]: ORPHAN_ALIAS,
        [TAG_KEYS.aliased]: 'true',
      }).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    }),
  );
  orphanKey = KeyMetadata!.KeyId!;
  await clients.kms.send(
    new CreateAliasCommand({ AliasName: ORPHAN_ALIAS, TargetKeyId: orphanKey }),
  );
}, 240_000);

let orphanKey = '';

/** The plan job's artifact, as the workflow's plan steps write it and the apply reads it. */
async function approvedPlan(prune: boolean): Promise<PlanFile> {
  const keys = await keysJob(env, clients, 'plan', { verifyKeyTrust: true, prune });
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
  return readApprovedPlan('staging', text, noFile);
}

const apply = (approved: PlanFile) =>
  applyApprovedJob(env, clients, { approved, commit: COMMIT, verifyKeyTrust: true });

const metadataOf = async (keyId: string) =>
  (await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
const stateOf = async (keyId: string) => (await metadataOf(keyId))?.KeyState;

async function hasAlias(name: string): Promise<boolean> {
  for await (const page of paginateListAliases({ client: clients.kms }, {})) {
    if ((page.Aliases ?? []).some((a) => a.AliasName === name)) return true;
  }
  return false;
}

describe('--prune through the approved plan (staging on moto)', () => {
  it('a plan without --prune is applied and never retires the orphan', async () => {
    const approved = await approvedPlan(false);
    expect(approved.keys!.prune).toBeUndefined();
    const row = approved.keys!.keys.find((k) => k.keyId === orphanKey)!;
    expect(row).toMatchObject({ status: 'orphaned', orphaned: { retire: 'ready' } });
    const result = await apply(approved);
    expect(result.ok, result.failed?.message ?? result.decision.message).toBe(true);
    expect(await stateOf(orphanKey)).toBe('Enabled');
    expect(await hasAlias(ORPHAN_ALIAS)).toBe(true);
  }, 240_000);

  it('a prune plan whose flag was flipped in the file is refused, nothing written', async () => {
    const approved = await approvedPlan(false);
    // Same rows, flag added by hand: the apply plans with --prune, and its rows are not these.
    const tampered = readApprovedPlan(
      'staging',
      JSON.stringify({ ...approved, keys: { ...approved.keys!, prune: true } }),
      noFile,
    );
    const result = await apply(tampered);
    expect(result.ok).toBe(false);
    expect(result.decision.message).toContain(STATE_CHANGED);
    expect(result.decision.differences.join('\n')).toContain(
      `approved orphaned (keep), now orphaned (schedule-deletion)`,
    );
    expect(await stateOf(orphanKey)).toBe('Enabled');
  }, 240_000);

  it('an approved prune plan retires exactly its orphaned rows', async () => {
    const approved = await approvedPlan(true);
    expect(approved.keys!.prune).toBe(true);
    const row = approved.keys!.keys.find((k) => k.keyId === orphanKey)!;
    expect(row.leftover).toBe('schedule-deletion');
    expect(row.orphaned).toMatchObject({ deletionDays: 9 });
    expect(row.reason).toContain(`removes ${ORPHAN_ALIAS}`);
    const result = await apply(approved);
    expect(result.ok, result.failed?.message ?? result.decision.message).toBe(true);
    expect(result.keys!.rows.find((r) => r.keyId === orphanKey)?.status).toBe('scheduled');
    const retired = await metadataOf(orphanKey);
    expect(retired?.KeyState).toBe('PendingDeletion');
    // KMS schedules it the file's 9 days out (moto answers no window: read the date).
    const days = (retired!.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(9);
    // Its alias is gone: no signer policy's alias pattern matches the key any more.
    expect(await hasAlias(ORPHAN_ALIAS)).toBe(false);
    // The next plan has nothing left to do for it.
    const again = await approvedPlan(true);
    expect(again.keys!.keys.find((k) => k.keyId === orphanKey)?.orphaned?.retire).toBe(
      'pending-deletion',
    );
    // Every key of the file is untouched.
    for (const k of approved.keys!.keys.filter((r) => r.keyId !== orphanKey)) {
      expect(await stateOf(k.keyId)).toBe('Enabled');
    }
  }, 240_000);
});
