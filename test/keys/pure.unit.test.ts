import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { KmsKeyInfo, KmsKeyStore } from '../../src/aws/kms-types.js';
import { createLimiter } from '../../src/pool.js';
import { keysFor } from '../../src/inventory/keys.js';
import { planKeys } from '../../src/plan/keys/keys.js';
import { rowsFromChanges } from '../../src/plan/keys/rows.js';
import { type KeyRow } from '../../src/plan/keys/types.js';
import {
  KEY_TABLE_COLUMNS,
  attestationAddresses,
  keyTable,
  keysJson,
  renderKeysConsole,
  renderKeysMarkdown,
} from '../../src/report/keys.js';
import { renderMarkdownTable } from '../../src/report/table.js';
import { publicKeyRead } from './fake-public-key.js';
import { loadEnv } from './helpers.js';

const env = loadEnv('staging');
const keys = keysFor(env);

describe('limiter', () => {
  it('never runs more than its limit at once and returns every result', async () => {
    const limit = createLimiter(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          // Finish in a different order than started, without waiting on the clock.
          for (let turn = 0; turn < i % 4; turn++) await new Promise((r) => setImmediate(r));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});

/** An in-memory KMS with the keys given; no aliases unless listed. */
function fakeKms(
  keysById: Array<KmsKeyInfo & { tags: Record<string, string>; alias?: string }>,
): KmsKeyStore {
  const address = Wallet.createRandom().address;
  return {
    kind: 'kms',
    region: 'us-west-2',
    describeKey: async (id) => keysById.find((k) => k.keyId === id || k.alias === id),
    publicAddress: async () => address,
    readPublicKey: async (id) =>
      publicKeyRead(
        keysById.find((k) => k.keyId === id || k.alias === id),
        address,
      ),
    listAliases: async () =>
      keysById.flatMap((k) => (k.alias ? [{ aliasName: k.alias, targetKeyId: k.keyId }] : [])),
    findUnaliasedKeys: async (wanted) => ({
      keys: keysById
        .filter((k) => !k.alias && wanted(k.tags))
        .map((k) => ({ keyId: k.keyId, tags: k.tags })),
      unreadable: [],
      aliases: keysById.flatMap((k) =>
        k.alias ? [{ aliasName: k.alias, targetKeyId: k.keyId }] : [],
      ),
    }),
    createKey: async () => {
      throw new Error('plan must not create');
    },
    createAlias: async () => {
      throw new Error('plan must not alias');
    },
    retireKey: async () => {
      throw new Error('plan must not retire');
    },
    deleteAlias: async () => {
      throw new Error('plan must not remove an alias');
    },
    tagKey: async () => {
      throw new Error('plan must not tag');
    },
    untagKey: async () => {
      throw new Error('plan must not untag');
    },
    updateAlias: async () => {
      throw new Error('plan must not move an alias');
    },
    readTags: async (id) => keysById.find((k) => k.keyId === id)?.tags ?? 'gone',
    readKeyAccess: async (id) => ({
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
      tags: keysById.find((k) => k.keyId === id)?.tags ?? {},
    }),
  };
}

const usable = (keyId: string, creationDate: string): KmsKeyInfo => ({
  keyId,
  arn: `arn:aws:kms:us-west-2:210987654321:key/${keyId}`,
  description: 'x',
  keySpec: 'ECC_SECG_P256K1',
  keyUsage: 'SIGN_VERIFY',
  keyState: 'Enabled',
  creationDate,
});

describe('planning adoption', () => {
  const key = keys[0]!;

  it('adopts the oldest usable tagged key and names the others; skips unusable ones', async () => {
    const neverAliased = { ...key.tags, 'nomad:aliased': 'false' };
    const store = fakeKms([
      { ...usable('newer', '2024-02-01T00:00:00.000Z'), tags: neverAliased },
      { ...usable('older', '2024-01-01T00:00:00.000Z'), tags: neverAliased },
      {
        ...usable('oldest-but-deleting', '2023-01-01T00:00:00.000Z'),
        keyState: 'PendingDeletion',
        tags: key.tags,
      },
      // Made by an older version (no record): it may have held the alias, so never retired.
      { ...usable('legacy', '2024-03-01T00:00:00.000Z'), tags: key.tags },
    ]);
    const [change, ...leftovers] = await planKeys([key], store);
    expect(change!.action).toBe('adopt');
    expect(change!.detail!.keyId).toBe('older');
    // It said it never held the alias: apply records that it may, before its CreateAlias.
    expect(change!.detail!.markAliased).toBe(true);
    // The others are leftover rows: the newer one is retired by apply, the deleting one left be,
    // the one without a record is a conflict.
    expect(leftovers.map((c) => [c.detail!.keyId, c.action, c.detail!.leftover])).toEqual([
      ['newer', 'remove', 'schedule-deletion'],
      ['oldest-but-deleting', 'exists', 'keep'],
      ['legacy', 'broken', 'keep'],
    ]);
    expect(leftovers[0]!.reason).toContain(`${key.alias} points at older`);
    expect(leftovers[0]!.reason).toContain('aws kms cancel-key-deletion --key-id newer');
    expect(leftovers[2]!.reason).toContain('no nomad:aliased record');
    const rows = rowsFromChanges([change!, ...leftovers]);
    expect(rows.map((r) => r.status)).toEqual(['adopt', 'leftover', 'leftover', 'conflict']);
  });

  it('ties on creation date are broken by key id, so racing runs choose the same key', async () => {
    const at = '2024-01-01T00:00:00.000Z';
    const store = fakeKms([
      { ...usable('b-key', at), tags: key.tags },
      { ...usable('a-key', at), tags: key.tags },
    ]);
    const [change] = await planKeys([key], store);
    expect(change!.detail!.keyId).toBe('a-key');
  });

  it('lists leftovers in a no-change plan too, and leaves keys of aliases no longer wanted', async () => {
    const gone = { ...key.tags, 'nomad:alias': 'alias/staging-removed-network-relayer-signer' };
    const store = fakeKms([
      { ...usable('live', '2024-01-01T00:00:00.000Z'), tags: key.tags, alias: key.alias },
      {
        ...usable('extra', '2024-02-01T00:00:00.000Z'),
        tags: { ...key.tags, 'nomad:aliased': 'false' },
      },
      {
        ...usable('held', '2024-02-01T00:00:00.000Z'),
        tags: { ...key.tags, 'nomad:aliased': 'true' },
      },
      { ...usable('orphan-of-removed', '2024-02-01T00:00:00.000Z'), tags: gone },
      // Not the toolkit's: never a leftover, whatever its alias tag says.
      { ...usable('foreign', '2024-02-01T00:00:00.000Z'), tags: { 'nomad:alias': key.alias } },
    ]);
    const changes = await planKeys([key], store);
    expect(changes.map((c) => [c.detail!.keyId, c.action, c.detail!.leftover])).toEqual([
      ['live', 'exists', undefined],
      ['extra', 'remove', 'schedule-deletion'],
      ['held', 'broken', 'keep'],
      ['orphan-of-removed', 'exists', 'keep'],
    ]);
    // The key that may have held the alias: a conflict naming both keys and the choices.
    expect(changes[2]!.detail!.conflict).toBe(true);
    expect(changes[2]!.reason).toContain(`${key.alias} now points at key live`);
    expect(changes[2]!.reason).toContain("the toolkit's key for " + key.alias);
    expect(changes[2]!.reason).toContain(
      `aws kms update-alias --alias-name ${key.alias} --target-key-id held`,
    );
    expect(changes[2]!.reason).toContain('keys.rotate');
    expect(changes[2]!.reason).toContain('TagKey=nomad:aliased,TagValue=false');
    // Its alias left the file: an orphaned row (issue 26), retired only by --prune.
    expect(changes[3]!.detail!.orphaned).toMatchObject({ aliased: false, retire: 'not-drained' });
    expect(changes[3]!.reason).toContain('orphaned: key orphan-of-removed');
  });

  it('does not adopt a key tagged for another alias, or one not managed by us', async () => {
    const other = keys[1]!;
    const store = fakeKms([
      { ...usable('theirs', '2024-01-01T00:00:00.000Z'), tags: other.tags },
      {
        ...usable('unmanaged', '2024-01-01T00:00:00.000Z'),
        tags: { ...key.tags, 'managed-by': 'someone-else' },
      },
    ]);
    const [change] = await planKeys([key], store);
    expect(change!.action).toBe('create');
  });

  it('moto answers only CustomerMasterKeySpec: a key described that way is judged by it', async () => {
    const p256 = { ...usable('p256', '2024-01-01T00:00:00.000Z'), keySpec: 'ECC_NIST_P256' };
    const [change] = await planKeys([key], fakeKms([{ ...p256, alias: key.alias, tags: {} }]));
    expect(change!.action).toBe('broken');
    expect(change!.reason).toContain('ECC_NIST_P256');
  });
});

describe('key report', () => {
  const addressOf = new Map(keys.map((k) => [k.alias, Wallet.createRandom().address]));
  const rows: KeyRow[] = keys.map((k, i) => ({
    alias: k.alias,
    region: env.aws.region,
    keyId: `key-${i}`,
    arn: `arn:aws:kms:${env.aws.region}:${env.aws.accountId}:key/key-${i}`,
    description: k.description,
    address: addressOf.get(k.alias)!,
    status: i % 2 ? 'created' : 'exists',
    reason: '',
    purpose: k.purpose,
    ...(k.network ? { network: k.network } : {}),
    ...(k.keyName ? { keyName: k.keyName } : {}),
    store: 'kms',
  }));

  it("has Nomad's six columns, one row per key", () => {
    const table = keyTable(rows);
    expect(table.columns).toEqual([...KEY_TABLE_COLUMNS]);
    expect(table.rows).toHaveLength(keys.length);
    expect(table.rows[3]).toEqual([
      rows[3]!.alias,
      env.aws.region,
      'key-3',
      rows[3]!.arn,
      keys[3]!.description,
      rows[3]!.address,
    ]);
  });

  it('marks new keys in markdown, and only them', () => {
    const markdown = renderKeysMarkdown(rows, true);
    for (const row of rows) {
      const line = markdown.split('\n').find((l) => l.startsWith(`| ${row.alias} `))!;
      expect(line.includes('🆕')).toBe(row.status === 'created');
    }
  });

  it('shows scheduled and kept leftovers in the summary, the console and the JSON', () => {
    const attestation = rows.find((r) => r.keyName === 'updater-attestation')!;
    const leftover = (keyId: string, status: 'scheduled' | 'leftover'): KeyRow => ({
      ...attestation,
      keyId,
      address: '',
      status,
      reason: `${keyId}: undo with \`aws kms cancel-key-deletion --key-id ${keyId}\``,
      leftover: status === 'scheduled' ? 'schedule-deletion' : 'keep',
    });
    const withLeftovers = [
      ...rows,
      leftover('extra-1', 'scheduled'),
      leftover('extra-2', 'leftover'),
    ];
    const markdown = renderKeysMarkdown(withLeftovers, true);
    expect(markdown).toContain('**Leftover keys**');
    expect(markdown).toContain(
      `- \`extra-1\` for \`${attestation.alias}\` (scheduled): extra-1: undo`,
    );
    expect(markdown).toMatch(/1 leftover, 1 scheduled/);
    expect(renderKeysConsole(withLeftovers)).toContain(
      `SCHEDULED extra-1 (${attestation.alias}): extra-1: undo with`,
    );
    const json = keysJson(withLeftovers, true).keys.slice(-2);
    expect(json.map((k) => [k.keyId, k.status, k.leftover])).toEqual([
      ['extra-1', 'scheduled', 'schedule-deletion'],
      ['extra-2', 'leftover', 'keep'],
    ]);
    // A leftover attestation key is not the network's attestation address.
    expect(attestationAddresses(withLeftovers)).toEqual(attestationAddresses(rows));
  });

  it('lists updater and watcher attestation addresses per network', () => {
    const attestation = attestationAddresses(rows);
    expect(attestation.map((a) => a.network)).toEqual(env.networks.map((n) => n.name));
    for (const a of attestation) {
      expect(a.updater).toBe(addressOf.get(`alias/staging-${a.network}-updater-attestation`));
      expect(a.watcher).toBe(addressOf.get(`alias/staging-${a.network}-watcher-attestation`));
    }
    expect(renderKeysMarkdown(rows, true)).toContain(
      renderMarkdownTable({
        columns: ['Network', 'Updater attestation address', 'Watcher attestation address'],
        rows: attestation.map((a) => [a.network, a.updater, a.watcher]),
      }),
    );
  });

  it('JSON carries every row and survives a round trip', () => {
    const json = JSON.parse(JSON.stringify(keysJson(rows, true))) as ReturnType<typeof keysJson>;
    expect(json.keys.map((k) => [k.alias, k.address, k.status])).toEqual(
      rows.map((r) => [r.alias, r.address, r.status]),
    );
    expect(json.attestation).toHaveLength(env.networks.length);
  });

  it('a plan row for a key to create has no address yet and says so', async () => {
    const store = fakeKms([]);
    const planRows = rowsFromChanges(await planKeys(keys.slice(0, 1), store));
    expect(planRows[0]!.status).toBe('create');
    expect(keyTable(planRows).rows[0]![5]).toBe('(made on apply)');
  });
});

describe('a key KMS refuses to these credentials', () => {
  it('is one broken row with its reason and fix; the other keys are planned', async () => {
    const [denied, fine] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const base = fakeKms([
      { ...usable('theirs', '2024-01-01T00:00:00.000Z'), tags: {}, alias: denied.alias },
      { ...usable('ours', '2024-01-01T00:00:00.000Z'), tags: fine.tags, alias: fine.alias },
    ]);
    // A key policy that does not delegate to IAM: KMS answers AccessDenied to both reads.
    const store: KmsKeyStore = {
      ...base,
      readPublicKey: async (id) =>
        id === denied.alias || id === 'theirs'
          ? { state: 'refused', error: 'AccessDeniedException' }
          : base.readPublicKey(id),
      describeKey: async (id) => {
        if (id === denied.alias || id === 'theirs') {
          throw new Error('KMS DescribeKey theirs failed: AccessDeniedException');
        }
        return base.describeKey(id);
      },
    };
    const changes = await planKeys([denied, fine], store);
    expect(changes.map((c) => [c.id, c.action])).toEqual([
      [denied.alias, 'broken'],
      [fine.alias, 'exists'],
    ]);
    expect(changes[0]!.detail!.keyId).toBe('theirs');
    expect(changes[0]!.reason).toContain('AccessDeniedException');
    expect(changes[0]!.reason).toContain(`aws kms update-alias --alias-name ${denied.alias}`);
  });

  it('whose key policy cannot be read is one broken row under --verify-key-trust', async () => {
    const [locked, fine] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const base = fakeKms([
      { ...usable('locked', '2024-01-01T00:00:00.000Z'), tags: locked.tags, alias: locked.alias },
      { ...usable('ours', '2024-01-01T00:00:00.000Z'), tags: fine.tags, alias: fine.alias },
    ]);
    const store: KmsKeyStore = {
      ...base,
      readKeyAccess: async (id) => {
        if (id === 'locked')
          throw new Error('KMS GetKeyPolicy locked failed: AccessDeniedException');
        return base.readKeyAccess(id);
      },
    };
    const changes = await planKeys([locked, fine], store, { verifyKeyTrust: true });
    expect(changes.map((c) => [c.id, c.action])).toEqual([
      [locked.alias, 'broken'],
      [fine.alias, 'exists'],
    ]);
    expect(changes[0]!.reason).toContain('AccessDeniedException');
  });
});
