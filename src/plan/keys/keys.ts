import type { AwsClients } from '../../aws/clients.js';
import { createKmsKeyStore } from '../../aws/kms.js';
import { type KmsKeyStore, type KmsKeyStoreOptions } from '../../aws/kms-types.js';
import { createSecretKeyStore, type SecretKeyStore } from '../../aws/secrets.js';
import type { ResolvedEnvironment } from '../../config/model.js';
import { toolkitKeyPolicyDocument } from '../../inventory/policies.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { RotationSpec } from '../../inventory/rotations.js';
import type { KeySpec } from '../../inventory/types.js';
import { OperationError } from '../../errors.js';
import { noProgress, reconcileProgress, type Progress } from '../../progress.js';
import { prepareKmsKeys, secretsReconciler } from './reconcile.js';
import { prepare, type ApplyResult, type PlanResult, type Prepared } from '../reconcile.js';
import type { KeyOutcome, KeysResult } from './rows.js';
import type { OrphanOptions } from './orphans.js';
import type { KeyChange } from './types.js';

/** KMS for staging and production, Secrets Manager for development. */
export type KeyStore = KmsKeyStore | SecretKeyStore;

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
  /** The apply of an approved plan: retire no leftover it did not list (`prepareKmsKeys`). */
  onlyPlannedLeftovers?: boolean;
  /** Orphaned keys (KMS): balances, `--prune`, `keys.abandon` (`keys-orphans.ts`). */
  orphans?: OrphanOptions;
  /** The file's key rotations (`rotationsFor`), KMS only. */
  rotations?: readonly RotationSpec[];
  /** Days a key retired by a rotation waits before deletion (`keys.gracePeriodDays`). */
  gracePeriodDays?: number;
}

const DEFAULT_CONCURRENCY = 32;

/** A key plan read once, and the apply of exactly its changes. */
export type PreparedKeys = Prepared<KeyChange, KeyOutcome>;

/**
 * Reads the keys in `store` once and plans (pure); `apply` runs the plan through `reconcile`
 * (KMS: two passes, see keys-reconcile.ts). Per key, one of `exists` (with address), `create`,
 * `adopt`, `update` (development: the address tag), `broken`, then the KMS leftovers.
 */
export async function prepareKeysIn(
  keys: readonly KeySpec[],
  store: KeyStore,
  options: KeysOptions = {},
  mode: 'plan' | 'apply' = 'apply',
): Promise<PreparedKeys> {
  const progress = options.progress ?? noProgress;
  const loop = {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    ...reconcileProgress(progress),
  };
  const prepared =
    store.kind === 'kms'
      ? await prepareKmsKeys(keys, store, {
          ...loop,
          ...(options.verifyKeyTrust ? { verifyTrust: true } : {}),
          ...(options.runId ? { runId: options.runId } : {}),
          ...(options.onlyPlannedLeftovers ? { onlyPlannedLeftovers: true } : {}),
          ...(options.orphans ? { orphans: options.orphans } : {}),
          ...(options.rotations ? { rotations: options.rotations } : {}),
          ...(options.gracePeriodDays ? { gracePeriodDays: options.gracePeriodDays } : {}),
        })
      : await prepare(secretsReconciler(keys, store, mode), { ...loop, prune: true });
  return {
    plan: prepared.plan,
    apply: async () => {
      try {
        return await prepared.apply();
      } finally {
        progress.finish();
      }
    },
  };
}

/** The plan of the keys in `store`. Reads only. */
export async function planKeys(
  keys: KeySpec[],
  store: KeyStore,
  options: KeysOptions = {},
): Promise<KeyChange[]> {
  return (await prepareKeysIn(keys, store, options, 'plan')).plan.changes;
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

const storeOf = (options: Omit<RunKeysOptions, 'mode'>): KeyStore =>
  options.store ??
  keyStoreFor(
    options.env,
    options.clients,
    options.kmsWritesPerSecond ? { writesPerSecond: options.kmsWritesPerSecond } : {},
  );

/** Reads the environment's keys once and plans (pure); nothing is written until `apply`. */
export function prepareKeys(
  options: Omit<RunKeysOptions, 'mode'>,
  mode: 'plan' | 'apply' = 'apply',
): Promise<PreparedKeys> {
  return prepareKeysIn(options.keys, storeOf(options), options, mode);
}

/** `reconcile()` for keys: read, plan (pure), and in apply mode the steps and a re-read. */
export async function runKeys(
  options: RunKeysOptions & { mode: 'plan' },
): Promise<PlanResult<KeyChange>>;
export async function runKeys(
  options: RunKeysOptions & { mode: 'apply' },
): Promise<ApplyResult<KeyChange, KeyOutcome>>;
export async function runKeys(options: RunKeysOptions): Promise<KeysResult>;
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
