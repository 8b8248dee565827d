import type { SecretKeyState, SecretKeyStore } from '../../aws/secrets.js';
import { OperationError } from '../../errors.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { KeySpec } from '../../inventory/types.js';
import { rowOf } from './rows.js';
import { KEY_CHANGE_KIND, baseDetail, type KeyChange, type KeyRow } from './types.js';

/**
 * Development: one secret per key, holding its hex private key. Same change shape as KMS.
 * A plan reads addresses from the secrets' tags; only an apply reads the keys, so plan
 * credentials never hold GetSecretValue. A secret whose address tag is missing or wrong is an
 * `update`: apply writes the tag (reading never writes).
 */

/** Per key with a secret name: what was read of its secret. */
export type SecretsState = Map<string, SecretKeyState>;

export type SecretStep = { op: 'create-secret' } | { op: 'tag-address' };

/** DescribeSecret of each (`plan`), or DescribeSecret and GetSecretValue (`apply`). */
export async function readSecrets(
  keys: readonly KeySpec[],
  store: SecretKeyStore,
  readKeys: boolean,
): Promise<SecretsState> {
  const names = keys.flatMap((k) => (k.secretName ? [k.secretName] : []));
  return new Map(
    await Promise.all(
      names.map(
        async (name) =>
          [name, await (readKeys ? store.readKey(name) : store.describeKey(name))] as const,
      ),
    ),
  );
}

/** Pure: per key, `exists` (with address), `update` (tag), `create` or `broken`. */
export function planSecretKeys(
  keys: readonly KeySpec[],
  state: SecretsState,
  region: string,
): KeyChange[] {
  const kind = KEY_CHANGE_KIND['secrets-manager'];
  return keys.map((key): KeyChange => {
    const detail = baseDetail(key, 'secrets-manager', region);
    const read = key.secretName ? state.get(key.secretName) : undefined;
    if (!key.secretName || !read) {
      return {
        kind,
        id: key.alias,
        action: 'broken',
        reason: `${key.alias} has no secret name, but this environment keeps its keys in Secrets Manager: fix the inventory`,
        detail,
      };
    }
    if (!read.found) {
      return {
        kind,
        id: key.alias,
        action: 'create',
        reason: `secret ${key.secretName} does not exist: generate a key and store it there`,
        detail,
      };
    }
    const found = { ...detail, keyId: read.secretName, arn: read.arn };
    if (!read.usable) {
      return { kind, id: key.alias, action: 'broken', reason: read.problem, detail: found };
    }
    if (read.tagged) {
      return {
        kind,
        id: key.alias,
        action: 'update',
        reason:
          `secret ${key.secretName} holds the key, but its ${TAG_KEYS.address} tag ` +
          (read.tagged === 'added' ? 'is missing' : 'names another address') +
          ': apply writes it',
        detail: { ...found, address: read.address, addressTag: read.tagged },
      };
    }
    return {
      kind,
      id: key.alias,
      action: 'exists',
      reason: `secret ${key.secretName} holds the key`,
      detail: { ...found, address: read.address },
    };
  });
}

export function secretStepsOf(change: KeyChange): SecretStep[] {
  if (change.action === 'create') return [{ op: 'create-secret' }];
  if (change.action === 'update') return [{ op: 'tag-address' }];
  return [];
}

export function describeSecretStep(step: SecretStep, change: KeyChange): string {
  const name = change.detail.secretName ?? change.id;
  return step.op === 'create-secret' ? `CreateSecret ${name}` : `tag ${name} with its address`;
}

export async function runSecretStep(
  step: SecretStep,
  change: KeyChange,
  store: SecretKeyStore,
): Promise<KeyRow> {
  const { detail } = change;
  if (!detail.secretName) throw new OperationError(`${step.op} ${detail.alias}: no secret name`);
  if (step.op === 'tag-address') {
    if (!detail.arn || !detail.address) {
      throw new OperationError(`tag ${detail.secretName}: the plan read no secret: plan again`);
    }
    await store.tagAddress(detail.secretName, detail.arn, detail.address);
    return rowOf(
      detail,
      'exists',
      `secret ${detail.secretName} holds the key; its ${TAG_KEYS.address} tag was ${detail.addressTag ?? 'corrected'}`,
    );
  }
  const stored = await store.createKey({
    secretName: detail.secretName,
    description: detail.description,
    tags: detail.tags,
  });
  if (!stored.usable) throw new OperationError(stored.problem);
  return rowOf(
    { ...detail, keyId: stored.secretName, arn: stored.arn, address: stored.address },
    'created',
  );
}
