import { randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { JsonRpcProvider, Wallet, keccak256, recoverAddress, sha256, toBeHex } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addressFromSpki } from '../../src/eth/address.js';
import { DER_TAG, readDerChildren, readDerElement } from '../../src/eth/der.js';
import { FUNDED_BALANCE_WEI, FUNDED_PRIVATE_KEYS, startChains } from './chains.js';
import {
  bucketSuffix,
  nextAccountId,
  requireChains,
  requireMotoUrl,
  testAccountId,
} from './emulators.js';
import { TEST_CHAIN_IDS } from './global-setup.js';
import { MOTO_REGION, motoCredentials, type MotoCredentials } from './moto.js';

// This file's own moto accounts and funded key (other files use other ones).
const ACCOUNT_A = testAccountId(1);
const ACCOUNT_B = testAccountId(2);
const FUNDER_KEY = FUNDED_PRIVATE_KEYS[0]!;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function kmsIn(url: string, credentials: MotoCredentials): KMSClient {
  return new KMSClient({ endpoint: url, region: MOTO_REGION, credentials });
}

/** r and s of a DER ECDSA-Sig-Value, s made low as Ethereum requires. */
function rsFromDer(der: Uint8Array): { r: string; s: string } {
  const [r, s] = readDerChildren(readDerElement(der).content);
  if (r?.tag !== DER_TAG.INTEGER || s?.tag !== DER_TAG.INTEGER) throw new Error('not a DER sig');
  const big = (bytes: Uint8Array) => BigInt('0x' + Buffer.from(bytes).toString('hex'));
  const low = (value: bigint) => (value > SECP256K1_N / 2n ? SECP256K1_N - value : value);
  return { r: toBeHex(big(r.content), 32), s: toBeHex(low(big(s.content)), 32) };
}

function recoveredAddresses(digest: string, der: Uint8Array): string[] {
  const { r, s } = rsFromDer(der);
  return [27, 28].map((v) => recoverAddress(digest, { r, s, v }));
}

describe('moto_server (patched)', () => {
  let url: string;
  let kms: KMSClient;
  let keyId: string;
  let address: string;

  beforeAll(async () => {
    url = requireMotoUrl();
    kms = kmsIn(url, await motoCredentials(url, ACCOUNT_A));
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    keyId = created.KeyMetadata!.KeyId!;
    const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    address = addressFromSpki(publicKey.PublicKey!);
  });

  it('answers KeySpec next to CustomerMasterKeySpec in GetPublicKey, like KMS', async () => {
    const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    expect(publicKey.KeySpec).toBe('ECC_SECG_P256K1');
    expect(publicKey.CustomerMasterKeySpec).toBe('ECC_SECG_P256K1');
  });

  it('signs a 32-byte DIGEST as given: the signature recovers to the key address', async () => {
    const digest = keccak256(randomBytes(64));
    const { Signature } = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: Buffer.from(digest.slice(2), 'hex'),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(recoveredAddresses(digest, Signature!)).toContain(address);
    // Unpatched moto signs sha256(digest) instead; that must not be what happened.
    expect(recoveredAddresses(sha256(digest), Signature!)).not.toContain(address);
  });

  it('verifies a DIGEST signature, and rejects it for another digest', async () => {
    const digest = Buffer.from(keccak256(randomBytes(16)).slice(2), 'hex');
    const common = {
      KeyId: keyId,
      MessageType: 'DIGEST' as const,
      SigningAlgorithm: 'ECDSA_SHA_256' as const,
    };
    const { Signature } = await kms.send(new SignCommand({ ...common, Message: digest }));
    const verify = (message: Uint8Array) =>
      kms.send(new VerifyCommand({ ...common, Message: message, Signature }));
    expect((await verify(digest)).SignatureValid).toBe(true);
    const other = Buffer.from(digest);
    other[0]! ^= 1;
    expect((await verify(other)).SignatureValid).toBe(false);
  });

  it('still hashes a RAW message once with SHA-256', async () => {
    const message = randomBytes(40);
    const { Signature } = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(recoveredAddresses(sha256(message), Signature!)).toContain(address);
  });

  it('rejects a DIGEST that is not 32 bytes with ValidationException, like KMS', async () => {
    for (const length of [31, 33]) {
      await expect(
        kms.send(
          new SignCommand({
            KeyId: keyId,
            Message: randomBytes(length),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });

  it('refuses DisableKey and ScheduleKeyDeletion on a key pending deletion, like KMS', async () => {
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    const KeyId = created.KeyMetadata!.KeyId!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 30 }));
    await expect(kms.send(new DisableKeyCommand({ KeyId }))).rejects.toMatchObject({
      name: 'KMSInvalidStateException',
    });
    await expect(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 })),
    ).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
    expect(KeyMetadata?.KeyState).toBe('PendingDeletion');
  });

  it('keeps accounts apart: a key of one account is invisible to another', async () => {
    const credentialsB = await motoCredentials(url, ACCOUNT_B);
    const sts = new STSClient({ endpoint: url, region: MOTO_REGION, credentials: credentialsB });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT_B);
    const keysInB = (await kmsIn(url, credentialsB).send(new ListKeysCommand({}))).Keys ?? [];
    expect(keysInB.map((k) => k.KeyId)).not.toContain(keyId);
    const keysInA = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
    expect(keysInA.map((k) => k.KeyId)).toContain(keyId);
  });

  it('refuses an account id that is not 12 digits', async () => {
    await expect(motoCredentials(url, '123')).rejects.toThrow(/12 digits/);
  });
});

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

describe('local chains of the global setup', () => {
  it('serve each chain id on 127.0.0.1', async () => {
    const chains = requireChains();
    expect(chains.map((c) => c.chainId)).toEqual(TEST_CHAIN_IDS);
    for (const chain of chains) {
      expect(new URL(chain.url).hostname).toBe('127.0.0.1');
      expect(Number(await rpc(chain.url, 'eth_chainId'))).toBe(chain.chainId);
    }
  });

  it('mine a value transfer from a funded key', async () => {
    const chain = requireChains()[1]!;
    const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true });
    const funder = new Wallet(FUNDER_KEY, provider);
    expect(await provider.getBalance(funder.address)).toBeGreaterThan(FUNDED_BALANCE_WEI / 2n);
    const recipient = Wallet.createRandom().address;
    const tx = await funder.sendTransaction({ to: recipient, value: 12345n });
    const receipt = await tx.wait(1, 10_000);
    expect(receipt?.status).toBe(1);
    expect(await provider.getBalance(recipient)).toBe(12345n);
    provider.destroy();
  });
});

describe('a chain of its own (mining control)', () => {
  let running: Awaited<ReturnType<typeof startChains>>;
  beforeAll(async () => {
    running = await startChains([4242]);
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('holds transactions while automine is off, mines on evm_mine and on an interval', async () => {
    const { url, chainId } = running.chains[0]!;
    expect(Number(await rpc(url, 'eth_chainId'))).toBe(chainId);
    const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true });
    const funder = new Wallet(FUNDER_KEY, provider);

    await rpc(url, 'evm_setAutomine', [false]);
    const held = await funder.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
    expect(await rpc(url, 'eth_getTransactionReceipt', [held.hash])).toBeNull();
    await rpc(url, 'evm_mine');
    expect(await rpc(url, 'eth_getTransactionReceipt', [held.hash])).not.toBeNull();

    const before = Number(await rpc(url, 'eth_blockNumber'));
    await rpc(url, 'evm_setIntervalMining', [100]);
    // Blocks arrive with no transaction sent: the interval mines them.
    await vi.waitFor(
      async () =>
        expect(Number(await rpc(url, 'eth_blockNumber'))).toBeGreaterThanOrEqual(before + 2),
      { timeout: 10_000, interval: 50 },
    );
    await rpc(url, 'evm_setIntervalMining', [0]);

    await rpc(url, 'evm_setAutomine', [true]);
    provider.destroy();
  });

  it('is gone after stop', async () => {
    const { url } = running.chains[0]!;
    await running.stop();
    await expect(rpc(url, 'eth_chainId')).rejects.toThrow();
  });
});

describe('the moto account allocator', () => {
  it('gives this file 12-digit ids of its own, stable per n, and new ones from nextAccountId', () => {
    const ids = [0, 1, 2, 999].map(testAccountId);
    for (const id of ids) expect(id).toMatch(/^[1-9]\d{11}$/);
    expect(new Set(ids).size).toBe(4);
    // One prefix per file, the last three digits count.
    expect(new Set(ids.map((id) => id.slice(0, 9))).size).toBe(1);
    expect(ids.map((id) => id.slice(9))).toEqual(['000', '001', '002', '999']);
    expect(testAccountId(1)).toBe(ids[1]);
    const first = nextAccountId();
    const second = nextAccountId();
    expect(second).not.toBe(first);
    expect([first, second].every((id) => id.slice(0, 9) === ids[0]!.slice(0, 9))).toBe(true);
    expect(() => testAccountId(1000)).toThrow(/0 to 999/);
  });

  it('names buckets after the account, and refuses what is not an account id', () => {
    expect(bucketSuffix('123456789012')).toBe('t456789012');
    expect(bucketSuffix('123456789013')).not.toBe(bucketSuffix('123456789012'));
    expect(() => bucketSuffix('1234')).toThrow(/12-digit/);
  });
});
