import type { AwsClients } from '../../aws/clients.js';
import { createKmsKeyStore } from '../../aws/kms.js';
import { type KmsKeyStore, type KmsKeyStoreOptions } from '../../aws/kms-types.js';
import { createSecretKeyStore, type SecretKeyStore } from '../../aws/secrets.js';
import type { ResolvedEnvironment } from '../../config/model.js';
import { toolkitKeyPolicyDocument } from '../../inventory/policies.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { KeySpec } from '../../inventory/types.js';
import type { Change } from '../change.js';
import { OperationError } from '../../errors.js';
import { noProgress, reconcileProgress, type Progress } from '../../progress.js';
import {
  applyKeyPasses,
  kmsReconciler,
  outcomesOf,
  secretsReconciler,
  type KeysReconciler,
} from './reconcile.js';
import type { KeyDetail, KeyRow, KeyStatus } from './types.js';
import { blocks, type Planned } from '../reconcile.js';
/** KMS for staging and production, Secrets Manager for development. */
export type KeyStore = KmsKeyStore | SecretKeyStore;

export type KeyChange = Change<KeyDetail>;

export interface KeysResult {
  changes: KeyChange[];
  /** One row per key, in inventory order: planned action (plan) or outcome (apply). */
  rows: KeyRow[];
  /** False when a key is broken or (apply) could not be created or adopted. */
  ok: boolean;
}

export interface KeysOptions {
  /**
   * Check the key policy, grants and tags of every aliased key too, not only of keys to adopt
   * and keys two aliases point at (three more reads per key; see docs/keys.md).
   */
  verifyKeyTrust?: boolean;
  /** Changes applied at once (default 32; KMS writes are paced by the store either way). */
  concurrency?: number;
  /** Counts apply's steps (`createProgress`); nothing shown by default. */
  progress?: Progress;
  /** Tags each created KMS key (`nomad:created-by-run`); default a random UUID. */
  runId?: string;
  /** The apply of an approved plan: retire no leftover it did not list (`applyKeyPasses`). */
  onlyPlannedLeftovers?: boolean;
}

const DEFAULT_CONCURRENCY = 32;

/** The reconciler of the store's kind. */
function reconcilerFor(
  keys: readonly KeySpec[],
  store: KeyStore,
  mode: 'plan' | 'apply',
  options: KeysOptions,
): KeysReconciler<unknown, unknown> {
  return store.kind === 'kms'
    ? kmsReconciler(keys, store, {
        ...(options.verifyKeyTrust ? { verifyTrust: true } : {}),
        ...(options.runId ? { runId: options.runId } : {}),
      })
    : secretsReconciler(keys, store, mode);
}

/**
 * Per key, one of `exists` (with address), `create`, `adopt`, `update` (development: the address
 * tag), `broken`, then the KMS leftovers. Reads only.
 */
export async function planKeys(
  keys: KeySpec[],
  store: KeyStore,
  options: KeysOptions = {},
): Promise<KeyChange[]> {
  const reconciler = reconcilerFor(keys, store, 'plan', options);
  return reconciler.plan(await reconciler.read()).map((p) => p.change);
}

function rowOf(detail: KeyDetail, status: KeyStatus, reason = detail.warning ?? ''): KeyRow {
  return {
    alias: detail.alias,
    region: detail.region,
    keyId: detail.keyId ?? '',
    arn: detail.arn ?? '',
    description: detail.description,
    address: detail.address ?? '',
    status,
    reason,
    purpose: detail.purpose,
    ...(detail.network !== undefined ? { network: detail.network } : {}),
    ...(detail.keyName !== undefined ? { keyName: detail.keyName } : {}),
    store: detail.store,
    ...(detail.leftover ? { leftover: detail.leftover } : {}),
  };
}

/** The table rows of a plan: what each key is and what apply would do. */
export function rowsFromChanges(changes: KeyChange[]): KeyRow[] {
  return changes.map((c) =>
    c.detail!.leftover
      ? rowOf(c.detail!, c.detail!.conflict ? 'conflict' : 'leftover', c.reason)
      : rowOf(
          c.detail!,
          c.action as KeyStatus,
          c.action === 'broken' || c.action === 'adopt' ? c.reason : undefined,
        ),
  );
}

/** The spec a key change was planned from (for re-reading after an apply of given changes). */
function specOf(detail: KeyDetail): KeySpec {
  return {
    environment: (detail.tags[TAG_KEYS.environment] ?? '') as KeySpec['environment'],
    ...(detail.network !== undefined ? { network: detail.network } : {}),
    ...(detail.keyName !== undefined
      ? { keyName: detail.keyName as NonNullable<KeySpec['keyName']> }
      : {}),
    purpose: detail.purpose,
    alias: detail.alias,
    description: detail.description,
    tags: { ...detail.tags },
    ...(detail.secretName !== undefined ? { secretName: detail.secretName } : {}),
  };
}

/** Runs apply on a reconciler and plan already read; rows from the outcomes. */
async function applyWith(
  reconciler: KeysReconciler<unknown, unknown>,
  planned: Planned<KeyChange, unknown>[],
  options: KeysOptions,
): Promise<KeysResult> {
  const progress = options.progress ?? noProgress;
  try {
    const result = await applyKeyPasses(reconciler, planned, {
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...(options.onlyPlannedLeftovers ? { onlyPlannedLeftovers: true } : {}),
      ...reconcileProgress(progress),
    });
    const rows = outcomesOf(result, reconciler.outcomes).map((o) =>
      rowOf(o.detail, o.status, o.reason ?? (o.status === 'exists' ? '' : undefined)),
    );
    return { changes: result.changes, rows, ok: result.ok };
  } finally {
    progress.finish();
  }
}

/**
 * Creates and adopts what the plan says, and (KMS) retires the extra keys the toolkit made for an
 * alias; leaves existing and broken keys alone. One key failing does not stop the others. A plan
 * with nothing to create, adopt or retire makes no call at all.
 */
export async function applyKeys(
  changes: KeyChange[],
  store: KeyStore,
  options: KeysOptions = {},
): Promise<KeysResult> {
  const keys = changes.filter((c) => !c.detail!.leftover).map((c) => specOf(c.detail!));
  const reconciler = reconcilerFor(keys, store, 'apply', options);
  const planned = changes.map((change) => ({ change, steps: reconciler.stepsOf(change) }));
  return applyWith(reconciler, planned, options);
}

export function keyStoreFor(
  env: Pick<ResolvedEnvironment, 'keyStore' | 'aws' | 'name'>,
  clients: AwsClients,
  options: Omit<KmsKeyStoreOptions, 'region'> = {},
): KeyStore {
  if (clients.region !== env.aws.region) {
    throw new OperationError(
      `AWS clients are for region ${clients.region} but environment ${env.name} keeps its keys in ` +
        `${env.aws.region}: build the clients with the environment's region`,
    );
  }
  return env.keyStore === 'secrets-manager'
    ? createSecretKeyStore(clients.secrets, { region: env.aws.region })
    : createKmsKeyStore(clients.kms, {
        singleAttempt: clients.kmsSingleAttempt,
        keyPolicy: toolkitKeyPolicyFor(env.aws.accountId),
        ...options,
        region: env.aws.region,
      });
}

export interface RunKeysOptions extends KeysOptions {
  env: Pick<ResolvedEnvironment, 'keyStore' | 'aws' | 'name'>;
  /** The environment's keys (`keysFor(env)`). */
  keys: KeySpec[];
  clients: AwsClients;
  mode: 'plan' | 'apply';
  /** Replaces the store built from `clients` (tests, fault injection). */
  store?: KeyStore;
  /** KMS writes (CreateKey, CreateAlias, …) started per second, each operation (default 5). */
  kmsWritesPerSecond?: number;
}

/** A key plan read once, and the apply of exactly its changes. */
export interface PreparedKeys {
  plan: KeysResult;
  /** The steps of these changes, a re-read, and the second pass (`applyKeyPasses`). */
  apply(): Promise<KeysResult>;
}

const storeOf = (options: Omit<RunKeysOptions, 'mode'>): KeyStore =>
  options.store ??
  keyStoreFor(
    options.env,
    options.clients,
    options.kmsWritesPerSecond ? { writesPerSecond: options.kmsWritesPerSecond } : {},
  );

/** Reads the keys once and plans (pure); nothing is written until `apply`. */
export async function prepareKeys(
  options: Omit<RunKeysOptions, 'mode'>,
  mode: 'plan' | 'apply' = 'apply',
): Promise<PreparedKeys> {
  const reconciler = reconcilerFor(options.keys, storeOf(options), mode, options);
  const planned = reconciler.plan(await reconciler.read());
  const changes = planned.map((p) => p.change);
  return {
    plan: {
      changes,
      rows: rowsFromChanges(changes),
      ok: !changes.some((c) => blocks(c, true, false)),
    },
    apply: () => applyWith(reconciler, planned, options),
  };
}

/**
 * `reconcile()` for keys: read, plan (pure), and in apply mode the steps, a re-read and, when it
 * finds extras to retire, a second pass over those.
 */
export async function runKeys(options: RunKeysOptions): Promise<KeysResult> {
  const prepared = await prepareKeys(options, options.mode);
  return options.mode === 'plan' ? prepared.plan : prepared.apply();
}

/**
 * The key policy of each key the toolkit creates: the account delegates to IAM, and no second
 * alias for anyone; the bank's alias is fixed (`toolkitKeyPolicyDocument`).
 */
export const toolkitKeyPolicyFor =
  (accountId: string) =>
  (tags: Record<string, string>): string =>
    JSON.stringify(
      toolkitKeyPolicyDocument(accountId, tags[TAG_KEYS.purpose] === 'bank' ? 'bank' : 'signer'),
    );
