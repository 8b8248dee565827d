/**
 * The Keymaster pays from and to toolkit keys only (issue 24 item 9), on moto and the harness
 * chains: a wallet alias moved by hand onto a key the toolkit did not make is reported
 * (`untrusted-key`) and not paid while the others are; a bank key someone else may use (a grant)
 * signs nothing.
 */
import { CreateGrantCommand, CreateKeyCommand, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { describe, expect, it } from 'vitest';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { motoEnv, nextAccountId, requireChains, requireMotoUrl } from '../harness/emulators.js';
import { balanceOf, fund, KEYMASTER_FUNDER_KEYS } from './chains.js';

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (test/keymaster/chains.ts). */
const FUNDER = KEYMASTER_FUNDER_KEYS[8]!;
const ETH = 10n ** 18n;

/** A staging environment (KMS keys) on the two harness chains, relayers and processors only. */
function stagingOnHarnessChains([a, b]: Array<{ chainId: number }>): string {
  return `environment: staging
aws: { accountId: '${ACCOUNT}', region: us-west-2 }
keys: { names: [relayer-signer, processor-signer] }
networks:
  - { name: alpha, chainId: ${a!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ALPHA_RPC_URL }
  - { name: beta, chainId: ${b!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: BETA_RPC_URL }
keymaster:
  networks:
    alpha: &net
      roles:
        relayer: { lower: '0.5', target: '1' }
        processor: { lower: '0.5', target: '1' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
    beta: *net
`;
}

describe('the Keymaster checks the keys it pays from and to', () => {
  it('pays no wallet whose alias points at a foreign key, and signs nothing with a bank others may use', async () => {
    const chains = requireChains();
    // Relayers and processors of one home are funded on its replica: alpha's on beta.
    const beta = chains[1]!;
    const cwd = mkdtempSync(path.join(tmpdir(), 'nomad-trust-'));
    mkdirSync(path.join(cwd, 'environments'));
    writeFileSync(path.join(cwd, 'environments/staging.yaml'), stagingOnHarnessChains(chains));
    const vars = {
      ...(await motoEnv(requireMotoUrl(), ACCOUNT)),
      ALPHA_RPC_URL: chains[0]!.url,
      BETA_RPC_URL: beta.url,
    };
    const env = loadEnvironment('staging', cwd);
    const clients = await awsForEnvironment(env, vars);
    const applied = await keysJob(env, clients, 'apply');
    expect(applied.result.ok).toBe(true);
    const addressOf = (alias: string) => applied.json.keys.find((k) => k.alias === alias)!.address!;
    const bank = addressOf('alias/staging-bank');
    for (const chain of chains) {
      await fund(chain.url, FUNDER, chain.chainId, [{ to: bank, wei: 10n * ETH }]);
    }

    // By hand: the relayer's alias now points at a key the toolkit never made.
    const foreign = await clients.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    await clients.kms.send(
      new UpdateAliasCommand({
        AliasName: 'alias/staging-alpha-relayer-signer',
        TargetKeyId: foreign.KeyMetadata!.KeyId!,
      }),
    );
    const job = keymasterJob(env, clients, vars);
    const run = await job.runOnce({ dryRun: false });
    const untrusted = run.failures.filter((f) => f.kind === 'untrusted-key');
    expect(untrusted).toEqual([
      expect.objectContaining({ alias: 'alias/staging-alpha-relayer-signer' }),
    ]);
    expect(untrusted[0]!.message).toContain('not a key the toolkit made for it');
    // Only the relayer of alpha is left out; the others are paid.
    expect(run.decisions.map((d) => `${d.network} ${d.roles.join()}`).sort()).toEqual([
      'alpha processor',
      'alpha relayer',
      'beta processor',
    ]);
    expect(run.sent.map((t) => t.status)).toEqual(['mined', 'mined', 'mined']);
    const processor = addressOf('alias/staging-alpha-processor-signer');
    expect(await balanceOf(beta.url, processor)).toBe(ETH);
    const relayer = addressOf('alias/staging-alpha-relayer-signer');
    expect(await balanceOf(beta.url, relayer)).toBe(0n);
    expect(run.ok).toBe(false);

    // By hand: a grant lets someone else use the bank. Nothing is signed with it any more.
    const provider = new JsonRpcProvider(beta.url, beta.chainId, { staticNetwork: true });
    const nonce = await provider.getTransactionCount(bank);
    await clients.kms.send(
      new CreateGrantCommand({
        KeyId: 'alias/staging-bank',
        GranteePrincipal: 'arn:aws:iam::111122223333:root',
        Operations: ['Sign'],
      }),
    );
    await clients.kms.send(
      new UpdateAliasCommand({
        AliasName: 'alias/staging-alpha-relayer-signer',
        TargetKeyId: applied.json.keys.find(
          (k) => k.alias === 'alias/staging-alpha-relayer-signer',
        )!.keyId!,
      }),
    );
    const refused = await job.runOnce({ dryRun: false });
    expect(refused.failures[0]).toMatchObject({ kind: 'untrusted-key' });
    expect(refused.failures[0]!.message).toContain('the bank signs nothing');
    expect(refused.failures[0]!.message).toMatch(/grant .* gives Sign/);
    expect(refused.sent).toEqual([]);
    // The relayer is trusted again and below its lower bound: decided, not paid.
    expect(
      refused.decisions.some((d) => d.roles.includes('relayer') && d.reason === 'funded'),
    ).toBe(true);
    expect(await provider.getTransactionCount(bank)).toBe(nonce);
    provider.destroy();
  }, 180_000);
});
