/**
 * Every key the toolkit creates carries the toolkit key policy (issue 13): the account's
 * delegation to IAM, no second alias for anyone, and for the bank an alias that cannot move.
 * The policy's effect is proven by simulation (permission-matrix.test.ts); here, against moto,
 * that apply really sets it.
 */
import { GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysFor } from '../../src/inventory/keys.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { runKeys } from '../../src/plan/keys.js';
import { clientsFor, loadEnv, motoForTest } from './helpers.js';

let moto: { url: string; stop: () => Promise<void> };
beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  await moto.stop();
});

describe('the key policy of created keys', () => {
  it('is the toolkit key policy, with the bank alias fixed on the bank only', async () => {
    const env = loadEnv('staging');
    const accountId = '431300000001';
    env.aws = { ...env.aws, accountId };
    env.networks = env.networks.slice(0, 1);
    const keys = keysFor(env).filter((k) => k.purpose === 'bank' || k.role === 'relayer');
    const clients = await clientsFor(moto.url, accountId, env.aws.region);
    const result = await runKeys({ env, keys, clients, mode: 'apply' });
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
