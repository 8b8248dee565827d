import type { AwsClients } from '../aws/clients.js';
import { createKmsKeyStore, type KmsKeyStore, type KmsKeyStoreOptions } from '../aws/kms.js';
import { createSecretKeyStore, type SecretKeyStore } from '../aws/secrets.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { toolkitKeyPolicyDocument } from '../inventory/policies.js';
import { TAG_KEYS } from '../inventory/tags.js';
import type { KeySpec } from '../inventory/types.js';
import type { Change } from './change.js';
import { planKmsKeys } from './keys-kms.js';
import { applyKmsChanges } from './keys-kms-apply.js';
import { applySecretChange, planSecretKeys } from './keys-secrets.js';
import type { KeyDetail, KeyRow, KeyStatus } from './keys-types.js';

export type { KeyDetail, KeyRow, KeyStatus, KeyStoreKind } from './keys-types.js';

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

/**
 * Per key, one of `exists` (with address), `create`, `adopt`, `broken`. Reads only, except that
 * in `apply` mode a development secret missing its address tag gets it (the key is read then).
 */
export function planKeys(
  keys: KeySpec[],
  store: KeyStore,
  mode: 'plan' | 'apply' = 'plan',
): Promise<KeyChange[]> {
  return store.kind === 'kms' ? planKmsKeys(keys, store) : planSecretKeys(keys, store, mode);
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
      ? rowOf(c.detail!, 'leftover', c.reason)
      : rowOf(
          c.detail!,
          c.action as KeyStatus,
          c.action === 'broken' || c.action === 'adopt' ? c.reason : undefined,
        ),
  );
}

/**
 * Creates and adopts what the plan says, and (KMS) retires the extra keys the toolkit made for an
 * alias; leaves existing and broken keys alone. One key failing does not stop the others. A plan
 * with nothing to create, adopt or retire makes no call at all.
 */
export async function applyKeys(changes: KeyChange[], store: KeyStore): Promise<KeysResult> {
  const rows =
    store.kind === 'kms'
      ? (await applyKmsChanges(changes, store)).map((o) => rowOf(o.detail, o.status, o.reason))
      : await Promise.all(
          changes.map(async (change): Promise<KeyRow> => {
            const detail = change.detail!;
            if (change.action === 'broken') return rowOf(detail, 'broken', change.reason);
            if (change.action !== 'create' && change.action !== 'adopt') {
              return rowOf(detail, 'exists');
            }
            try {
              const done = await applySecretChange(change, store);
              return rowOf(done, change.action === 'create' ? 'created' : 'adopted');
            } catch (error) {
              return rowOf(
                detail,
                'failed',
                error instanceof Error ? error.message : String(error),
              );
            }
          }),
        );
  return { changes, rows, ok: rows.every((r) => r.status !== 'broken' && r.status !== 'failed') };
}

export function keyStoreFor(
  env: Pick<ResolvedEnvironment, 'keyStore' | 'aws' | 'name'>,
  clients: AwsClients,
  options: Omit<KmsKeyStoreOptions, 'region'> = {},
): KeyStore {
  if (clients.region !== env.aws.region) {
    throw new Error(
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

export interface RunKeysOptions {
  env: Pick<ResolvedEnvironment, 'keyStore' | 'aws' | 'name'>;
  /** The environment's keys (`keysFor(env)`). */
  keys: KeySpec[];
  clients: AwsClients;
  mode: 'plan' | 'apply';
  /** Replaces the store built from `clients` (tests, fault injection). */
  store?: KeyStore;
}

/** Plans the environment's keys and, in apply mode, creates and adopts what is missing. */
export async function runKeys(options: RunKeysOptions): Promise<KeysResult> {
  const store = options.store ?? keyStoreFor(options.env, options.clients);
  const changes = await planKeys(options.keys, store, options.mode);
  if (options.mode === 'apply') return applyKeys(changes, store);
  return {
    changes,
    rows: rowsFromChanges(changes),
    ok: changes.every((c) => c.action !== 'broken'),
  };
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
