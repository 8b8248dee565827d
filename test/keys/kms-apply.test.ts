import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { KmsKeyInfo, KmsKeyStore } from '../../src/aws/kms-types.js';
import { AliasExistsError } from '../../src/aws/key-store-errors.js';
import { keysFor } from '../../src/inventory/keys.js';
import { TAG_KEYS } from '../../src/inventory/tags.js';
import { prepareKeysIn, type KeysOptions } from '../../src/plan/keys/keys.js';
import { keyRows } from '../../src/plan/keys/rows.js';
import { publicKeyRead } from './fake-public-key.js';
import { loadEnv } from './helpers.js';

/**
 * Races that a real KMS cannot be made to produce on demand: another run creates the alias between
 * this run's listing and its CreateAlias. An in-memory KMS lets the test act at that moment.
 */

const env = loadEnv('staging');
const key = keysFor(env)[0]!;

interface Key extends KmsKeyInfo {
  tags: Record<string, string>;
}

function memoryKms(onCreateAlias?: (kms: ReturnType<typeof memoryKms>) => void) {
  const keys: Key[] = [];
  const aliases = new Map<string, string>();
  let clock = 0;
  const address = Wallet.createRandom().address;
  const newKey = (tags: Record<string, string>): Key => {
    const k: Key = {
      keyId: `key-${keys.length + 1}`,
      arn: `arn:aws:kms:us-west-2:210987654321:key/key-${keys.length + 1}`,
      description: key.description,
      keySpec: 'ECC_SECG_P256K1',
      keyUsage: 'SIGN_VERIFY',
      keyState: 'Enabled',
      creationDate: new Date(Date.UTC(2024, 0, 1, 0, 0, clock++)).toISOString(),
      tags,
    };
    keys.push(k);
    return k;
  };
  const store: KmsKeyStore = {
    kind: 'kms',
    region: 'us-west-2',
    describeKey: async (id) => {
      const k = keys.find((x) => x.keyId === (aliases.get(id) ?? id));
      return k ? { ...k } : undefined;
    },
    publicAddress: async () => address,
    readPublicKey: async (id) =>
      publicKeyRead(
        keys.find((x) => x.keyId === (aliases.get(id) ?? id)),
        address,
      ),
    listAliases: async () =>
      [...aliases].map(([aliasName, targetKeyId]) => ({ aliasName, targetKeyId })),
    findUnaliasedKeys: async (wanted) => {
      const aliased = new Set(aliases.values());
      return {
        keys: keys
          .filter((k) => !aliased.has(k.keyId) && wanted(k.tags))
          .map((k) => ({ keyId: k.keyId, tags: k.tags })),
        unreadable: [],
        aliases: [...aliases].map(([aliasName, targetKeyId]) => ({ aliasName, targetKeyId })),
      };
    },
    createKey: async ({ tags }) => newKey(tags),
    createAlias: async (alias, keyId) => {
      onCreateAlias?.(api);
      if (aliases.has(alias)) throw new AliasExistsError('exists', 'KMS CreateAlias', alias);
      aliases.set(alias, keyId);
    },
    // The account's default key policy: every key here gives nothing beyond the account.
    readKeyAccess: async (keyId) => ({
      policy: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::210987654321:root' },
            Action: 'kms:*',
          },
        ],
      }),
      grants: [],
      tags: keys.find((x) => x.keyId === keyId)?.tags ?? {},
    }),
    readTags: async (keyId) => ({ ...(keys.find((x) => x.keyId === keyId)?.tags ?? {}) }),
    tagKey: async (keyId, tags) => {
      const k = keys.find((x) => x.keyId === keyId)!;
      k.tags = { ...k.tags, ...tags };
    },
    untagKey: async (keyId, tagKeys) => {
      const k = keys.find((x) => x.keyId === keyId)!;
      k.tags = Object.fromEntries(Object.entries(k.tags).filter(([t]) => !tagKeys.includes(t)));
    },
    updateAlias: async (aliasName, keyId) => {
      aliases.set(aliasName, keyId);
    },
    deleteAlias: async (aliasName) => {
      aliases.delete(aliasName);
    },
    retireKey: async (keyId) => {
      const k = keys.find((x) => x.keyId === keyId)!;
      k.keyState = 'PendingDeletion';
      k.deletionDate = '2024-02-01T00:00:00.000Z';
      return k.deletionDate;
    },
  };
  const api = { store, keys, aliases, newKey };
  return api;
}

/** Reads and plans once, then applies exactly that plan (the approval path's shape). */
async function planThenApply(store: KmsKeyStore, options: KeysOptions = {}) {
  const prepared = await prepareKeysIn([key], store, options);
  const plan = prepared.plan.changes;
  const result = await prepared.apply();
  return { plan, result: { ...result, rows: keyRows(result) } };
}

describe('an alias that appears while this run aliases', () => {
  it('pointing at another run’s key: a race, reported with both ids; ours retired', async () => {
    const kms = memoryKms((k) => {
      if (!k.aliases.has(key.alias)) k.aliases.set(key.alias, k.newKey({ ...key.tags }).keyId);
    });
    const { plan, result } = await planThenApply(kms.store);
    expect(plan.map((c) => c.action)).toEqual(['create']);

    const theirs = kms.aliases.get(key.alias)!;
    const ours = kms.keys.find((k) => k.keyId !== theirs)!.keyId;
    const row = result.rows[0]!;
    expect(row.status).toBe('exists');
    expect(row.keyId).toBe(theirs);
    expect(row.reason).toContain(`pointing at key ${theirs}`);
    expect(row.reason).toContain(`this run's key ${ours}`);
    expect(row.reason).not.toMatch(/delet/);
    expect(result.rows[1]).toMatchObject({ keyId: ours, status: 'scheduled' });
    expect(kms.keys.find((k) => k.keyId === theirs)!.keyState).toBe('Enabled');
    expect(result.ok).toBe(true);
  });

  it('pointing at this run’s own key (a parallel run chose it): created, nothing retired', async () => {
    const kms = memoryKms((k) => {
      const mine = k.keys[0]!.keyId;
      if (!k.aliases.has(key.alias)) k.aliases.set(key.alias, mine);
    });
    const { result } = await planThenApply(kms.store);
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]).toMatchObject({ status: 'created', keyId: kms.keys[0]!.keyId });
    expect(kms.keys.map((k) => k.keyState)).toEqual(['Enabled']);
  });
});

describe('the apply of an approved plan (only the leftovers it listed are retired)', () => {
  it('a key made extra by a race during the apply is reported, not retired, and does not fail it', async () => {
    const kms = memoryKms((k) => {
      if (!k.aliases.has(key.alias)) k.aliases.set(key.alias, k.newKey({ ...key.tags }).keyId);
    });
    const { result } = await planThenApply(kms.store, { onlyPlannedLeftovers: true });

    const theirs = kms.aliases.get(key.alias)!;
    const ours = kms.keys.find((k) => k.keyId !== theirs)!;
    expect(result.rows[0]).toMatchObject({ status: 'exists', keyId: theirs });
    expect(result.rows[1]).toMatchObject({
      keyId: ours.keyId,
      status: 'leftover',
      leftover: 'keep',
    });
    expect(result.rows[1]!.reason).toContain('not in the approved plan');
    expect(ours.keyState).toBe('Enabled');
    expect(result.ok).toBe(true);
  });

  it('a leftover the approved plan listed is retired once its alias exists', async () => {
    const kms = memoryKms();
    // Two keys earlier runs made for the alias, which does not exist yet: the oldest is adopted,
    // the other is planned for retirement once the alias points at the first.
    const oldest = kms.newKey({ ...key.tags });
    // Provably extra: its record says no alias ever pointed at it.
    const extra = kms.newKey({ ...key.tags, [TAG_KEYS.aliased]: 'false' });
    const { plan, result } = await planThenApply(kms.store, { onlyPlannedLeftovers: true });
    expect(plan.map((c) => [c.action, c.detail.keyId])).toEqual([
      ['adopt', oldest.keyId],
      ['remove', extra.keyId],
    ]);
    expect(result.rows[0]).toMatchObject({ status: 'adopted', keyId: oldest.keyId });
    expect(result.rows[1]).toMatchObject({ status: 'scheduled', keyId: extra.keyId });
    expect(extra.keyState).toBe('PendingDeletion');
    expect(result.ok).toBe(true);
  });
});
