import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { inspect } from 'node:util';
import {
  JsonRpcProvider,
  Wallet,
  getBytes,
  parseEther,
  parseUnits,
  randomBytes,
  recoverAddress,
  toBigInt,
  verifyMessage,
  verifyTypedData,
  type TransactionRequest,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { addressFromSpki } from '../../src/eth/address.js';
import { SECP256K1_HALF_N } from '../../src/eth/der-signature.js';
import { KmsSignerError } from '../../src/signer/kms-errors.js';
import { KmsSigner } from '../../src/signer/kms-signer.js';
import { FUNDED_PRIVATE_KEYS, type Chain } from '../harness/chains.js';
import { MOTO_REGION, motoCredentials, type MotoCredentials } from '../harness/moto.js';
import { createSigner } from '../../src/signer/factory.js';
import { TEST_CHAIN_IDS, chains as startOrJoinChains, moto, type Emulator } from './emulators.js';
import { startKmsProxy } from './kms-proxy.js';
import { nextAccountId } from '../harness/emulators.js';

// This file's own moto account and funded chain key, so parallel test files never collide.
const ACCOUNT_ID = nextAccountId();
const FUNDER_KEY = FUNDED_PRIVATE_KEYS[4]!;

let motoServer: Emulator<string>;
let motoUrl: string;

let credentials: MotoCredentials;
let clients: AwsClients;
let keyId: string;
let alias: string;
let address: string;

function awsClients(endpoint: string, maxAttempts?: number): AwsClients {
  return createAwsClients({
    region: MOTO_REGION,
    endpoint,
    credentials,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

/** Records the KMS commands a client sends (after the SDK's retries, one per logical call). */
function recordCommands(kms: KMSClient): string[] {
  const names: string[] = [];
  kms.middlewareStack.add(
    (next, context) => (args) => {
      names.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  return names;
}

async function createKey(keySpec: 'ECC_SECG_P256K1' | 'ECC_NIST_P256') {
  const { KeyMetadata } = await clients.kms.send(
    new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY' }),
  );
  return KeyMetadata!.KeyId!;
}

beforeAll(async () => {
  motoServer = await moto();
  motoUrl = motoServer.value;
  credentials = await motoCredentials(motoUrl, ACCOUNT_ID);
  clients = awsClients(motoUrl);
  keyId = await createKey('ECC_SECG_P256K1');
  alias = `alias/test-eth-${keyId.slice(0, 8)}-bank`;
  await clients.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  const { PublicKey } = await clients.kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  address = addressFromSpki(PublicKey!);
}, 60_000);

afterAll(async () => {
  clients?.kms.destroy();
  clients?.secrets.destroy();
  await motoServer?.stop();
});

describe('KmsSigner against moto KMS', () => {
  it('signs 300 random digests: every s ≤ n/2 and every signature recovers to the key', async () => {
    const signer = new KmsSigner({ kms: clients.kms, keyId: alias });
    const commands = recordCommands(clients.kms);
    const digests = Array.from({ length: 300 }, () => getBytes(randomBytes(32)));
    const signatures = [];
    for (let i = 0; i < digests.length; i += 10) {
      signatures.push(
        ...(await Promise.all(digests.slice(i, i + 10).map((d) => signer.signDigest(d)))),
      );
    }
    signatures.forEach((signature, i) => {
      expect(toBigInt(signature.s) <= SECP256K1_HALF_N).toBe(true);
      expect(recoverAddress(digests[i]!, signature)).toBe(address);
    });
    expect(new Set(signatures.map((s) => s.yParity))).toEqual(new Set([0, 1]));
    expect(commands.filter((c) => c === 'GetPublicKeyCommand')).toHaveLength(1);
    expect(commands.filter((c) => c === 'SignCommand')).toHaveLength(300);
  }, 60_000);

  it('signs messages for verifyMessage and typed data for verifyTypedData', async () => {
    const signer = new KmsSigner({ kms: clients.kms, keyId });
    const message = 'nomad keymaster bank check';
    expect(verifyMessage(message, await signer.signMessage(message))).toBe(address);
    const domain = { name: 'NomadOps', version: '1', chainId: 31337 };
    const types = {
      Topup: [
        { name: 'to', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
    };
    const value = { to: Wallet.createRandom().address, amount: parseEther('0.5') };
    expect(
      verifyTypedData(domain, types, value, await signer.signTypedData(domain, types, value)),
    ).toBe(address);
  });

  it('refuses a P-256 key with a clear error before any Sign', async () => {
    const p256 = await createKey('ECC_NIST_P256');
    const kms = awsClients(motoUrl).kms;
    const commands = recordCommands(kms);
    const error = await new KmsSigner({ kms, keyId: p256 })
      .signMessage('x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsSignerError);
    expect((error as Error).message).toContain(p256);
    expect((error as Error).message).toMatch(/ECC_NIST_P256 .*must be ECC_SECG_P256K1/);
    expect(commands).toEqual(['GetPublicKeyCommand']);
    kms.destroy();
  });

  it('names a missing alias and says how to create it', async () => {
    const missing = 'alias/test-eth-no-such-key';
    const error = await new KmsSigner({ kms: clients.kms, keyId: missing })
      .getAddress()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsSignerError);
    expect((error as Error).message).toContain(`alias ${missing} does not exist`);
    expect((error as Error).message).toContain('nomad-ops keys apply');
    expect(((error as Error).cause as Error).name).toBe('NotFoundException');
  });
});

describe('KMS throttling', () => {
  it('signs through throttled requests: createAwsClients retries ThrottlingException', async () => {
    const proxy = await startKmsProxy(motoUrl, { throttleFirst: 2 });
    const kms = awsClients(proxy.url).kms;
    try {
      const signer = new KmsSigner({ kms, keyId: alias });
      const digest = getBytes(randomBytes(32));
      expect(recoverAddress(digest, await signer.signDigest(digest))).toBe(address);
      expect(proxy.throttled).toBe(2);
      // Two throttled GetPublicKey attempts, the one that passed, then one Sign.
      expect(proxy.operations).toEqual(['GetPublicKey', 'GetPublicKey', 'GetPublicKey', 'Sign']);
    } finally {
      kms.destroy();
      await proxy.close();
    }
  }, 30_000);

  it('surfaces throttling that outlasts the retries, naming key and operation', async () => {
    const proxy = await startKmsProxy(motoUrl, { throttleFirst: Number.MAX_SAFE_INTEGER });
    const kms = awsClients(proxy.url, 2).kms;
    try {
      const error = await new KmsSigner({ kms, keyId: alias })
        .getAddress()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KmsSignerError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^KMS GetPublicKey \\(KeyId ${alias}\\) failed after 2 attempts: ThrottlingException ` +
            '\\(HTTP 400\\): Rate exceeded; AWS kept throttling',
        ),
      );
      expect(proxy.operations).toHaveLength(2);
    } finally {
      kms.destroy();
      await proxy.close();
    }
  }, 30_000);
});

describe('KMS-signed transactions on Hardhat chains', () => {
  const transfers: Array<[string, TransactionRequest]> = [
    ['EIP-1559', { type: 2, value: parseEther('1.25') }],
    ['legacy (EIP-155)', { type: 0, value: parseUnits('333', 'gwei') }],
  ];
  let running: Emulator<Chain[]>;
  beforeAll(async () => {
    running = await startOrJoinChains();
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });

  it.each(
    TEST_CHAIN_IDS.flatMap((chainId) =>
      transfers.map(([name, tx]) => [name, chainId, tx] as const),
    ),
  )(
    'mines a %s transfer on chain %i with from = the KMS address and exact balance moves',
    async (_name, chainId, request) => {
      const chain = running.value.find((c) => c.chainId === chainId);
      if (!chain) throw new Error(`no Hardhat chain with id ${chainId} is running`);
      const provider = new JsonRpcProvider(chain.url, chain.chainId, {
        staticNetwork: true,
        cacheTimeout: -1, // balances are read right after they change
      });
      try {
        const signer = new KmsSigner({ kms: clients.kms, keyId: alias }).connect(provider);
        // Fund the KMS address from this file's funded key (first test on this chain only).
        if ((await provider.getBalance(address)) === 0n) {
          const funder = new Wallet(FUNDER_KEY, provider);
          const funding = await funder.sendTransaction({ to: address, value: parseEther('10') });
          expect((await funding.wait())?.status).toBe(1);
        }
        const to = Wallet.createRandom().address;
        const senderBefore = await provider.getBalance(address);
        const response = await signer.sendTransaction({ ...request, to });
        const receipt = await response.wait(1, 20_000);
        expect(receipt?.status).toBe(1);
        expect(receipt?.from).toBe(address);
        const mined = await provider.getTransaction(response.hash);
        expect(mined?.type).toBe(request.type);
        expect(mined?.chainId).toBe(BigInt(chainId));
        const value = toBigInt(request.value!);
        const fee = receipt!.gasUsed * receipt!.gasPrice;
        expect(await provider.getBalance(to)).toBe(value);
        expect(await provider.getBalance(address)).toBe(senderBefore - value - fee);
      } finally {
        provider.destroy();
      }
    },
    30_000,
  );
});

describe('createSigner against moto', () => {
  it('gives a Wallet for a hex key in Secrets Manager and a KmsSigner for a KMS alias', async () => {
    const hexKey = Wallet.createRandom().privateKey;
    const secretId = `test-eth/${keyId}/hex`;
    await clients.secrets.send(new CreateSecretCommand({ Name: secretId, SecretString: hexKey }));
    const fromSecret = await createSigner({ kind: 'secret', secretId }, clients);
    expect(fromSecret).toBeInstanceOf(Wallet);
    expect(await fromSecret.getAddress()).toBe(new Wallet(hexKey).address);
    const fromKms = await createSigner({ kind: 'kms', keyId: alias }, clients);
    expect(fromKms).toBeInstanceOf(KmsSigner);
    expect(verifyMessage('same code path', await fromKms.signMessage('same code path'))).toBe(
      address,
    );
  });

  it('refuses a wrong-length hex key without echoing it', async () => {
    const hexKey = Wallet.createRandom().privateKey.slice(0, -2);
    const secretId = `test-eth/${keyId}/short`;
    await clients.secrets.send(new CreateSecretCommand({ Name: secretId, SecretString: hexKey }));
    const error = await createSigner({ kind: 'secret', secretId }, clients).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/62 hex digits after 0x, expected 64/);
    expect(inspect(error, { depth: 10 }) + (error as Error).stack).not.toContain(
      hexKey.slice(2, 30),
    );
  });

  it('names a missing secret', async () => {
    const secretId = `test-eth/${keyId}/missing`;
    await expect(createSigner({ kind: 'secret', secretId }, clients)).rejects.toThrow(
      new RegExp(`secret ${secretId} .*nomad-ops keys apply`),
    );
  });
});
