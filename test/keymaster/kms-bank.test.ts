import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { addressFromSpki } from '../../src/eth/address.js';
import { createSigner } from '../../src/signer/factory.js';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import type { Chain } from '../harness/chains.js';
import { MOTO_REGION, motoCredentials } from '../harness/moto.js';
import { moto, type Emulator } from '../eth/emulators.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, testEnvironment } from './fixtures.js';
import { nextAccountId } from '../harness/emulators.js';

// This file's own moto account and funding key, so parallel test files never collide.
const ACCOUNT_ID = nextAccountId();
const FUNDER = KEYMASTER_FUNDER_KEYS[6]!;

describe('a KMS bank (moto, DIGEST signing) funds wallets whose addresses come from KMS keys', () => {
  let motoServer: Emulator<string>;
  let clients: AwsClients;
  let chains: Chain[];
  let stopChains: () => Promise<void>;

  beforeAll(async () => {
    motoServer = await moto();
    const credentials = await motoCredentials(motoServer.value, ACCOUNT_ID);
    clients = createAwsClients({ region: MOTO_REGION, endpoint: motoServer.value, credentials });
    ({ chains, stop: stopChains } = await keymasterChains());
  }, 60_000);
  afterAll(async () => {
    clients?.kms.destroy();
    clients?.secrets.destroy();
    await stopChains?.();
    await motoServer?.stop();
  });

  async function createAliasedKey(alias: string): Promise<void> {
    const { KeyMetadata } = await clients.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    await clients.kms.send(
      new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata!.KeyId! }),
    );
  }

  it('tops up to target with KMS-signed EIP-1559 transactions', async () => {
    const [a] = chains;
    const env = testEnvironment([{ name: 'alpha', chainId: a!.chainId }]);
    const { rows } = agentRows(env, ['relayer', 'processor']);
    for (const row of rows) await createAliasedKey(row.alias!);
    await createAliasedKey('alias/development-bank');
    const resolveAddress = async (alias: string) => {
      const { PublicKey } = await clients.kms.send(new GetPublicKeyCommand({ KeyId: alias }));
      return addressFromSpki(PublicKey!);
    };
    const bank = await createSigner({ kind: 'kms', keyId: 'alias/development-bank' }, clients);
    await fund(a!.url, FUNDER, a!.chainId, [{ to: await bank.getAddress(), wei: 5n * ETH }]);

    const run = await runKeymaster({
      env,
      rows,
      resolveAddress,
      bankSigner: bank,
      rpcUrls: { alpha: a!.url },
      pollIntervalMs: 20,
    });
    expect(run.failures).toEqual([]);
    expect(run.sent.map((t) => t.status)).toEqual(['mined', 'mined']);
    for (const row of rows) {
      expect(await balanceOf(a!.url, await resolveAddress(row.alias!))).toBe(row.target);
    }
    const paid = run.sent.reduce((sum, t) => sum + t.amount + t.fee!, 0n);
    expect(await balanceOf(a!.url, await bank.getAddress())).toBe(5n * ETH - paid);
  });
});
