import type { S3Client } from '@aws-sdk/client-s3';
import { type BucketState, readBucket } from '../../aws/s3.js';
import { type S3Step, runS3Step } from '../../aws/s3-steps.js';
import { InputError, errorMessage } from '../../errors.js';
import { checkBucketName } from '../../inventory/names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../inventory/tags.js';
import { otherOwnerOf } from '../ownership.js';
import type { BucketSpec, Inventory } from '../../inventory/types.js';
import type { Change, ChangeDraft } from '../change.js';
import {
  prepare,
  type ApplyResult,
  type PlanResult,
  type Prepared,
  type ReconcileResult,
} from '../reconcile.js';
import { diffPolicies, renderPolicy, samePolicy } from '../policy-document.js';
import { planNewSettings, planSettings } from './settings.js';

/**
 * The proofs bucket plan (DESIGN §5): the bucket in its region, then each setting compared on
 * its own — tags, Block Public Access, bucket policy (as a document), CORS. One Change per
 * setting, so a reviewer sees exactly which one drifted.
 *
 * CreateBucket and PutBucketTagging are two calls. A bucket with our name, no tags at all, no
 * policy, no CORS and no objects is what a run that died between them leaves behind: it is
 * `adopt`ed (tagged). Any other untagged bucket with our name is `broken` and never touched.
 */

export type BucketInventory = Pick<Inventory, 'environment' | 'accountId'> & { bucket: BucketSpec };

export interface BucketDetail {
  region?: string;
  diff?: string;
  document?: string;
  changes?: string[];
}

export interface PlannedBucketChange {
  change: Change<BucketDetail>;
  steps: S3Step[];
}

/** The bucket inventory breaks an S3 rule: found before the first AWS call, exit 2. */
export class BucketInputError extends InputError {}

const isManaged = (tags: Record<string, string>) => tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE;
export function planBucket(spec: BucketSpec, state: BucketState): PlannedBucketChange[] {
  const name = spec.name;
  const out: PlannedBucketChange[] = [];
  const add = (change: ChangeDraft<BucketDetail>, steps: S3Step[] = []) =>
    out.push({ change: { ...change, detail: change.detail ?? {} }, steps });
  const policy = JSON.stringify(spec.policy);

  if (!state.exists) {
    add(
      {
        kind: 's3-bucket',
        id: name,
        action: 'create',
        reason: `no such bucket; created in ${spec.region}`,
        detail: { region: spec.region },
      },
      [{ op: 'createBucket', bucket: name, region: spec.region }],
    );
    add({ kind: 's3-bucket-tags', id: name, action: 'create', reason: 'new bucket' }, [
      { op: 'putBucketTags', bucket: name, tags: spec.tags },
    ]);
    add(
      {
        kind: 's3-public-access-block',
        id: name,
        action: 'create',
        reason: describeBlock(spec.publicAccessBlock),
      },
      [{ op: 'putPublicAccessBlock', bucket: name, block: spec.publicAccessBlock }],
    );
    add(
      {
        kind: 's3-bucket-policy',
        id: name,
        action: 'create',
        reason: 'new bucket',
        detail: { document: renderPolicy(spec.policy) },
      },
      [{ op: 'putBucketPolicy', bucket: name, policy }],
    );
    planNewSettings(spec, add);
    return out;
  }
  if (state.foreign) {
    add({
      kind: 's3-bucket',
      id: name,
      action: 'broken',
      reason: `the name is taken by a bucket these credentials cannot read (HTTP ${state.status}; bucket names are global): choose another proofsBucket.name in the environment file`,
    });
    return out;
  }
  if (state.region !== spec.region) {
    add({
      kind: 's3-bucket',
      id: name,
      action: 'broken',
      reason: `exists in ${state.region}, not ${spec.region}; a bucket cannot move: set aws.region or proofsBucket.name in the environment file`,
      detail: { region: state.region },
    });
    return out;
  }

  let adopting = false;
  if (!isManaged(state.tags)) {
    const leftByUs =
      Object.keys(state.tags).length === 0 &&
      state.policy === undefined &&
      state.cors === undefined &&
      state.empty;
    if (!leftByUs) {
      add({
        kind: 's3-bucket',
        id: name,
        action: 'broken',
        reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE} and is in use (tags, policy, CORS or objects): the toolkit will not change it. To adopt it, add the tag (aws s3api put-bucket-tagging keeps only the tags you pass: include the existing ones)`,
        detail: { region: state.region },
      });
      return out;
    }
    adopting = true;
    add(
      {
        kind: 's3-bucket',
        id: name,
        action: 'adopt',
        reason:
          'exists untagged, empty and unconfigured: left by an interrupted create; apply tags it',
        detail: { region: state.region },
      },
      [{ op: 'putBucketTags', bucket: name, tags: { ...state.tags, ...spec.tags } }],
    );
  } else {
    const owner = otherOwnerOf(spec.tags, state.tags);
    if (owner) {
      add({
        kind: 's3-bucket',
        id: name,
        action: 'broken',
        reason: owner,
        detail: { region: state.region },
      });
      return out;
    }
    add({
      kind: 's3-bucket',
      id: name,
      action: 'exists',
      reason: `exists in ${state.region}`,
      detail: { region: state.region },
    });
  }

  if (!adopting) {
    const drift = Object.entries(spec.tags)
      .filter(([k, v]) => state.tags[k] !== v)
      .map(
        ([k, v]) =>
          `tag ${k}: ${state.tags[k] === undefined ? '(none)' : JSON.stringify(state.tags[k])} → ${JSON.stringify(v)}`,
      );
    add(
      drift.length === 0
        ? { kind: 's3-bucket-tags', id: name, action: 'exists', reason: 'tags as wanted' }
        : {
            kind: 's3-bucket-tags',
            id: name,
            action: 'update',
            reason: drift.join('; '),
            detail: { changes: drift },
          },
      drift.length === 0
        ? []
        : [{ op: 'putBucketTags', bucket: name, tags: { ...state.tags, ...spec.tags } }],
    );
  }

  const block = state.publicAccessBlock;
  const blockDrift = (
    Object.keys(spec.publicAccessBlock) as Array<keyof typeof spec.publicAccessBlock>
  )
    .filter((k) => block?.[k] !== spec.publicAccessBlock[k])
    .map(
      (k) =>
        `${k}: ${block === undefined ? '(not set)' : String(block[k])} → ${spec.publicAccessBlock[k]}`,
    );
  add(
    blockDrift.length === 0
      ? {
          kind: 's3-public-access-block',
          id: name,
          action: 'exists',
          reason: describeBlock(spec.publicAccessBlock),
        }
      : {
          kind: 's3-public-access-block',
          id: name,
          action: block === undefined ? 'create' : 'update',
          reason: blockDrift.join('; '),
          detail: { changes: blockDrift },
        },
    blockDrift.length === 0
      ? []
      : [{ op: 'putPublicAccessBlock', bucket: name, block: spec.publicAccessBlock }],
  );

  if (state.policy === undefined) {
    add(
      {
        kind: 's3-bucket-policy',
        id: name,
        action: 'create',
        reason: 'no bucket policy',
        detail: { document: renderPolicy(spec.policy) },
      },
      [{ op: 'putBucketPolicy', bucket: name, policy }],
    );
  } else if (samePolicy(state.policy, spec.policy)) {
    add({ kind: 's3-bucket-policy', id: name, action: 'exists', reason: 'document as wanted' });
  } else {
    add(
      {
        kind: 's3-bucket-policy',
        id: name,
        action: 'update',
        reason: 'document differs',
        detail: { diff: diffPolicies(state.policy, spec.policy) },
      },
      [{ op: 'putBucketPolicy', bucket: name, policy }],
    );
  }

  planSettings(spec, state, add);
  return out;
}

function describeBlock(b: BucketSpec['publicAccessBlock']): string {
  const on = (x: boolean) => (x ? 'on' : 'off');
  return `Block Public Access: ACLs ${on(b.BlockPublicAcls)}/${on(b.IgnorePublicAcls)}, policies ${on(b.BlockPublicPolicy)}/${on(b.RestrictPublicBuckets)}`;
}

export function validateBucketInventory(inventory: BucketInventory): void {
  try {
    checkBucketName(inventory.bucket.name);
  } catch (error) {
    throw new BucketInputError(`${errorMessage(error)} Nothing was changed.`);
  }
  if (!/^\d{12}$/.test(inventory.accountId)) {
    throw new BucketInputError(
      `AWS account id "${inventory.accountId}" must be 12 digits. Nothing was changed.`,
    );
  }
}

export interface RunBucketInput {
  inventory: BucketInventory;
  /** Must act in `inventory.accountId`: `awsForEnvironment` checks that once. */
  clients: { s3: S3Client };
  mode: 'plan' | 'apply';
  onStep?: (description: string) => void;
}

type BucketChange = Change<BucketDetail>;

/** `reconcile()`'s result for the bucket. */
export type BucketResult = ReconcileResult<BucketChange>;

/** A bucket plan read once, and the apply of exactly its changes (`prepare` in reconcile.ts). */
export type PreparedBucket = Prepared<BucketChange>;

/**
 * Reads the bucket once and plans; `apply` carries out those changes through the one reconcile
 * loop and re-reads to confirm. The bucket's changes build on one another (the bucket before its
 * settings): the first failing write stops the apply and is thrown; the next run plans from what
 * was written.
 */
export async function prepareBucket(input: Omit<RunBucketInput, 'mode'>): Promise<PreparedBucket> {
  const { inventory, clients } = input;
  validateBucketInventory(inventory);
  const spec = inventory.bucket;
  return prepare<BucketState, BucketChange, S3Step, void>(
    {
      read: () => readBucket(clients.s3, spec.name),
      plan: (state) => planBucket(spec, state),
      runStep: (step) => runS3Step(clients.s3, step),
      describeStep: (step, change) => `${change.kind} ${change.id}: ${step.op}`,
    },
    { stopOnFailure: true, ...(input.onStep ? { onStep: input.onStep } : {}) },
  );
}

/** Plans, and in apply mode carries out the plan and plans again (`prepareBucket`). */
export async function runBucket(
  input: RunBucketInput & { mode: 'plan' },
): Promise<PlanResult<BucketChange>>;
export async function runBucket(
  input: RunBucketInput & { mode: 'apply' },
): Promise<ApplyResult<BucketChange>>;
export async function runBucket(input: RunBucketInput): Promise<BucketResult>;
export async function runBucket(input: RunBucketInput): Promise<BucketResult> {
  const prepared = await prepareBucket(input);
  return input.mode === 'plan' ? prepared.plan : prepared.apply();
}
