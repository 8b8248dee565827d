import type { SecretKeyStore } from '../aws/secrets.js';
import { TAG_KEYS } from '../inventory/tags.js';
import type { KeySpec } from '../inventory/types.js';
import type { Change } from './change.js';
import { KEY_CHANGE_KIND, baseDetail, type KeyDetail } from './keys-types.js';

type KeyChange = Change<KeyDetail>;

/**
 * Development: one secret per key, holding its hex private key. Same change shape as KMS.
 * A plan reads addresses from the secrets' tags; only an apply reads the keys (and tags a
 * secret whose tag is missing), so plan credentials never hold GetSecretValue.
 */
export async function planSecretKeys(
  keys: KeySpec[],
  store: SecretKeyStore,
  mode: 'plan' | 'apply' = 'plan',
): Promise<KeyChange[]> {
  const kind = KEY_CHANGE_KIND['secrets-manager'];
  return Promise.all(
    keys.map(async (key): Promise<KeyChange> => {
      const detail = baseDetail(key, 'secrets-manager', store.region);
      if (!key.secretName) {
        return {
          kind,
          id: key.alias,
          action: 'broken',
          reason: `${key.alias} has no secret name, but this environment keeps its keys in Secrets Manager: fix the inventory`,
          detail,
        };
      }
      const state =
        mode === 'apply'
          ? await store.readKey(key.secretName)
          : await store.describeKey(key.secretName);
      if (!state.found) {
        return {
          kind,
          id: key.alias,
          action: 'create',
          reason: `secret ${key.secretName} does not exist: generate a key and store it there`,
          detail,
        };
      }
      const found = { ...detail, keyId: state.secretName, arn: state.arn };
      if (!state.usable) {
        return { kind, id: key.alias, action: 'broken', reason: state.problem, detail: found };
      }
      return {
        kind,
        id: key.alias,
        action: 'exists',
        reason:
          `secret ${key.secretName} holds the key` +
          (state.tagged ? `; its ${TAG_KEYS.address} tag was ${state.tagged}` : ''),
        detail: { ...found, address: state.address },
      };
    }),
  );
}

export async function applySecretChange(
  change: KeyChange,
  store: SecretKeyStore,
): Promise<KeyDetail> {
  const detail = change.detail!;
  if (change.action !== 'create') return detail;
  if (!detail.secretName) throw new Error(`create ${detail.alias}: no secret name`);
  const stored = await store.createKey({
    secretName: detail.secretName,
    description: detail.description,
    tags: detail.tags,
  });
  if (!stored.usable) throw new Error(stored.problem);
  return { ...detail, keyId: stored.secretName, arn: stored.arn, address: stored.address };
}
