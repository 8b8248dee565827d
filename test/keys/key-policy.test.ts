/**
 * Every key the toolkit creates carries the toolkit key policy (issue 13): the account's
 * delegation to IAM, no second alias for anyone, and for the bank an alias that cannot move.
 * The policy's effect is proven by simulation (permission-matrix.test.ts); here, against moto,
 * that apply really sets it.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  GetKeyPolicyCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { keysFor } from '../../src/inventory/keys.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { keyStoreFor, planKeys } from '../../src/plan/keys/keys.js';
import { clientsFor, loadEnv, motoForTest, runKeysRows } from './helpers.js';
import { nextAccountId } from '../harness/emulators.js';

let moto: { url: string };
beforeAll(async () => {
  moto = await motoForTest();
});

describe('the key policy of created keys', () => {
  it('is the toolkit key policy, with the bank alias fixed on the bank only', async () => {
    const env = loadEnv('staging');
    const accountId = nextAccountId();
    env.aws = { ...env.aws, accountId };
    env.networks = env.networks.slice(0, 1);
    const keys = keysFor(env).filter((k) => k.purpose === 'bank' || k.role === 'relayer');
    const clients = await clientsFor(moto.url, accountId, env.aws.region);
    const result = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => r.alias)).toEqual([
      'alias/staging-kovan-relayer-signer',
      'alias/staging-bank',
    ]);

    for (const row of result.rows) {
      const { Policy } = await clients.kms.send(
        new GetKeyPolicyCommand({ KeyId: row.keyId!, PolicyName: 'default' }),
      );
      const purpose = row.alias.endsWith('-bank') ? 'bank' : 'signer';
      expect(JSON.parse(Policy!), row.alias).toEqual(toolkitKeyPolicyDocument(accountId, purpose));
    }
    const sids = (alias: string) =>
      toolkitKeyPolicyDocument(
        accountId,
        alias.endsWith('-bank') ? 'bank' : 'signer',
      ).Statement.map((s) => s.Sid);
    expect(sids('alias/staging-bank')).toContain('BankAliasFixed');
    expect(sids('alias/staging-kovan-relayer-signer')).not.toContain('BankAliasFixed');
  });
});

describe('adoption and use check what the key lets in', () => {
  it('refuses an alias moved onto the bank, and a tagged key that grants Sign to another account', async () => {
    const env = loadEnv('staging');
    const accountId = nextAccountId();
    env.aws = { ...env.aws, accountId };
    env.networks = env.networks.slice(0, 1);
    const all = keysFor(env);
    const bank = all.find((k) => k.purpose === 'bank')!;
    const relayer = all.find((k) => k.role === 'relayer')!;
    const processor = all.find((k) => k.role === 'processor')!;
    const clients = await clientsFor(moto.url, accountId, env.aws.region);
    const created = await runKeysRows({ env, keys: [bank], clients, mode: 'apply' });
    const bankKey = created.rows[0]!.keyId!;

    // The relayer's alias put by hand on the bank key: its tags name alias/staging-bank.
    await clients.kms.send(
      new CreateAliasCommand({ AliasName: relayer.alias, TargetKeyId: bankKey }),
    );
    // A key carrying every tag of the processor's key, whose policy lets another account sign.
    const foreign = await clients.kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_SECG_P256K1',
        KeyUsage: 'SIGN_VERIFY',
        Tags: Object.entries(processor.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Root',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${accountId}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'Partner',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::999999999999:root' },
              Action: 'kms:Sign',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const foreignId = foreign.KeyMetadata!.KeyId!;

    const plan = await planKeys([relayer, processor], keyStoreFor(env, clients));
    const relayerRow = plan.find((c) => c.id === relayer.alias)!;
    expect(relayerRow.action).toBe('broken');
    expect(relayerRow.reason).toContain('names alias/staging-bank');
    expect(relayerRow.reason).toContain(`aws kms get-key-policy --key-id ${bankKey}`);
    const processorRow = plan.find((c) => c.id === processor.alias)!;
    expect(processorRow.action).toBe('create');
    expect(processorRow.reason).toContain(foreignId);
    expect(processorRow.reason).toContain('arn:aws:iam::999999999999:root');

    // With the alias gone, the bank is the bank again.
    await clients.kms.send(new DeleteAliasCommand({ AliasName: relayer.alias }));
    const again = await planKeys([bank], keyStoreFor(env, clients));
    expect(again[0]!.action).toBe('exists');
  });
});

describe('a key policy changed by hand on an aliased key', () => {
  it('is trusted by default (the alias is authoritative) and refused with verifyKeyTrust', async () => {
    const env = loadEnv('staging');
    const accountId = nextAccountId();
    env.aws = { ...env.aws, accountId };
    env.networks = env.networks.slice(0, 1);
    const relayer = keysFor(env).find((k) => k.role === 'relayer')!;
    const clients = await clientsFor(moto.url, accountId, env.aws.region);
    const created = await runKeysRows({ env, keys: [relayer], clients, mode: 'apply' });
    const keyId = created.rows[0]!.keyId;
    const policy = toolkitKeyPolicyDocument(accountId, 'signer');
    await clients.kms.send(
      new PutKeyPolicyCommand({
        KeyId: keyId,
        PolicyName: 'default',
        Policy: JSON.stringify({
          ...policy,
          Statement: [
            ...policy.Statement,
            {
              Sid: 'Partner',
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::999999999999:root' },
              Action: 'kms:Sign',
              Resource: '*',
            },
          ],
        }),
      }),
    );

    const plain = await planKeys([relayer], keyStoreFor(env, clients));
    expect(plain[0]!.action).toBe('exists');
    const verified = await planKeys([relayer], keyStoreFor(env, clients), {
      verifyKeyTrust: true,
    });
    expect(verified[0]!.action).toBe('broken');
    expect(verified[0]!.reason).toContain('arn:aws:iam::999999999999:root');
    expect(verified[0]!.reason).toContain(`aws kms get-key-policy --key-id ${keyId}`);
  });
});
