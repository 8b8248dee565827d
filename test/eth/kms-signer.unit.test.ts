import {
  Transaction,
  Wallet,
  id,
  parseEther,
  parseUnits,
  recoverAddress,
  toBigInt,
  verifyMessage,
  verifyTypedData,
} from 'ethers';
import { describe, expect, it } from 'vitest';
import { SECP256K1_HALF_N } from '../../src/eth/der-signature.js';
import { KmsSignerError } from '../../src/signer/kms-errors.js';
import { InputError } from '../../src/errors.js';
import { KmsSigner } from '../../src/signer/kms-signer.js';
import { fakeKms, serviceError } from './fake-kms.js';
import { p256Spki } from './spki.js';

const privateKey = id('kms-signer unit test key');
const wallet = new Wallet(privateKey);
const alias = 'alias/staging-kovan-processor-signer';

function signerWith(
  options: Omit<Parameters<typeof fakeKms>[0], 'privateKey'> = {},
  keyId = alias,
) {
  const fake = fakeKms({ privateKey, ...options });
  const signer = new KmsSigner({ kms: fake.kms, keyId });
  const count = (operation: string) => fake.calls.filter((c) => c.operation === operation).length;
  return { signer, calls: fake.calls, count };
}

describe('KmsSigner.getAddress', () => {
  it('derives the key’s address and fetches the public key once for concurrent callers', async () => {
    const { signer, count } = signerWith();
    const addresses = await Promise.all([1, 2, 3, 4, 5].map(() => signer.getAddress()));
    expect(new Set(addresses)).toEqual(new Set([wallet.address]));
    expect(count('GetPublicKey')).toBe(1);
    await signer.getAddress();
    expect(count('GetPublicKey')).toBe(1);
  });

  it('shares the cached address with signers made by connect', async () => {
    const { signer, count } = signerWith();
    await signer.getAddress();
    const connected = signer.connect(null);
    expect(connected).toBeInstanceOf(KmsSigner);
    expect(await connected.getAddress()).toBe(wallet.address);
    expect(count('GetPublicKey')).toBe(1);
  });

  it('does not cache a failure: the next call asks again', async () => {
    const { signer, count } = signerWith({
      errors: { GetPublicKey: [serviceError('KMSInternalException', 'internal error')] },
    });
    await expect(signer.getAddress()).rejects.toThrow(
      /GetPublicKey with key alias\/staging-kovan-processor-signer failed/,
    );
    expect(await signer.getAddress()).toBe(wallet.address);
    expect(count('GetPublicKey')).toBe(2);
  });

  it.each([
    ['moto-style CustomerMasterKeySpec', false],
    ['KeySpec', true],
  ])('refuses a P-256 key reported by %s before any Sign', async (_name, realKeySpec) => {
    const { signer, count } = signerWith({
      keySpec: 'ECC_NIST_P256',
      publicKey: p256Spki(),
      realKeySpec,
    });
    const error = await signer.signMessage('hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsSignerError);
    expect((error as Error).message).toContain(alias);
    expect((error as Error).message).toContain('ECC_NIST_P256');
    expect((error as Error).message).toContain('ECC_SECG_P256K1');
    expect(count('Sign')).toBe(0);
  });

  it('refuses a secp256k1 key whose usage is not SIGN_VERIFY', async () => {
    const { signer } = signerWith({ keyUsage: 'ENCRYPT_DECRYPT' });
    await expect(signer.getAddress()).rejects.toThrow(/ENCRYPT_DECRYPT.*SIGN_VERIFY/);
  });

  it('refuses a key that claims secp256k1 but hands back a P-256 public key', async () => {
    const { signer } = signerWith({ publicKey: p256Spki() });
    await expect(signer.getAddress()).rejects.toThrow(
      /public key of alias\/.* is unusable: .*not on secp256k1/,
    );
  });
});

describe('KmsSigner errors', () => {
  it('names a missing alias and says how to create it', async () => {
    const cause = serviceError('NotFoundException', `Alias arn:aws:kms:…:${alias} is not found.`);
    const { signer } = signerWith({ errors: { GetPublicKey: [cause] } });
    const error = (await signer.getAddress().catch((e: unknown) => e)) as KmsSignerError;
    expect(error).toBeInstanceOf(KmsSignerError);
    expect(error.message).toContain(`alias ${alias} does not exist`);
    expect(error.message).toContain('nomad-ops keys apply');
    expect(error.keyId).toBe(alias);
    expect(error.operation).toBe('GetPublicKey');
    expect(error.cause).toBe(cause);
  });

  it('treats an alias ARN as an alias, and a missing key id without the alias hint', async () => {
    const aliasArn = 'arn:aws:kms:us-east-1:123456789012:alias/dev-bank';
    const a = signerWith(
      { errors: { GetPublicKey: [serviceError('NotFoundException', 'x')] } },
      aliasArn,
    );
    await expect(a.signer.getAddress()).rejects.toThrow(/nomad-ops keys apply/);
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const b = signerWith(
      { errors: { GetPublicKey: [serviceError('NotFoundException', 'x')] } },
      keyId,
    );
    const error = (await b.signer.getAddress().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`KMS key ${keyId} was not found`);
    expect(error.message).not.toContain('nomad-ops keys apply');
  });

  it('wraps other KMS errors with the key and operation, keeping the cause', async () => {
    const cause = serviceError('DisabledException', 'key is disabled');
    const { signer } = signerWith({ errors: { Sign: [cause] } });
    const error = (await signer.signMessage('x').catch((e: unknown) => e)) as KmsSignerError;
    expect(error.message).toBe(
      `KMS Sign with key ${alias} failed: DisabledException: key is disabled`,
    );
    expect(error.operation).toBe('Sign');
    expect(error.cause).toBe(cause);
  });

  it('refuses, rather than guesses, a signature that does not recover to the key', async () => {
    const { signer } = signerWith({ hashesAgain: true });
    await expect(signer.signDigest(id('x'))).rejects.toThrow(/does not recover to/);
  });

  it('rejects a digest that is not 32 bytes before calling KMS', async () => {
    const { signer, calls } = signerWith();
    await expect(signer.signDigest('0x' + '11'.repeat(31))).rejects.toThrow(InputError);
    expect(calls).toHaveLength(0);
  });
});

describe('KmsSigner signing', () => {
  it('signs digests as DIGEST/ECDSA_SHA_256 with one Sign call each, low s, recovering to the key', async () => {
    const { signer, calls, count } = signerWith();
    for (let i = 0; i < 20; i++) {
      const digest = id(`digest ${i}`);
      const signature = await signer.signDigest(digest);
      expect(toBigInt(signature.s) <= SECP256K1_HALF_N).toBe(true);
      expect(recoverAddress(digest, signature)).toBe(wallet.address);
      expect(signature.serialized).toBe(wallet.signingKey.sign(digest).serialized);
    }
    expect(count('GetPublicKey')).toBe(1);
    expect(count('Sign')).toBe(20);
    const sign = calls.find((c) => c.operation === 'Sign')!.input;
    expect(sign).toMatchObject({
      KeyId: alias,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(Buffer.from(sign.Message as Uint8Array).toString('hex')).toBe(id('digest 0').slice(2));
  });

  const transactions = {
    'EIP-1559': {
      type: 2,
      chainId: 31337,
      nonce: 3,
      to: '0x00000000000000000000000000000000000000aa',
      value: parseEther('1.5'),
      gasLimit: 21000,
      maxFeePerGas: parseUnits('30', 'gwei'),
      maxPriorityFeePerGas: parseUnits('1', 'gwei'),
    },
    'legacy EIP-155': {
      type: 0,
      chainId: 42,
      nonce: 0,
      to: '0x00000000000000000000000000000000000000bb',
      value: 1n,
      gasLimit: 21000,
      gasPrice: parseUnits('20', 'gwei'),
    },
    'legacy without chain id (pre-EIP-155)': {
      type: 0,
      nonce: 7,
      to: '0x00000000000000000000000000000000000000cc',
      value: 2n,
      gasLimit: 21000,
      gasPrice: parseUnits('20', 'gwei'),
    },
  };

  it.each(Object.entries(transactions))(
    'signs a %s transaction exactly as a Wallet with the same key',
    async (_name, tx) => {
      const { signer } = signerWith();
      const serialized = await signer.signTransaction(tx);
      expect(serialized).toBe(await wallet.signTransaction(tx));
      const parsed = Transaction.from(serialized);
      expect(parsed.from).toBe(wallet.address);
      expect(parsed.type).toBe(tx.type);
    },
  );

  it('accepts a matching from (any case) and refuses another', async () => {
    const { signer } = signerWith();
    const tx = transactions['EIP-1559'];
    const signed = await signer.signTransaction({ ...tx, from: wallet.address.toLowerCase() });
    expect(Transaction.from(signed).from).toBe(wallet.address);
    await expect(
      signer.signTransaction({ ...tx, from: '0x00000000000000000000000000000000000000dd' }),
    ).rejects.toThrow(/does not match KMS key/);
  });

  it('signs messages that verifyMessage attributes to the key', async () => {
    const { signer } = signerWith();
    for (const message of ['hello', new Uint8Array([0, 1, 2, 255])]) {
      const signature = await signer.signMessage(message);
      expect(verifyMessage(message, signature)).toBe(wallet.address);
      expect(signature).toBe(await wallet.signMessage(message));
    }
  });

  it('signs typed data that verifyTypedData attributes to the key', async () => {
    const { signer } = signerWith();
    const domain = {
      name: 'Nomad',
      version: '1',
      chainId: 1,
      verifyingContract: '0x00000000000000000000000000000000000000ee',
    };
    const types = {
      Attestation: [
        { name: 'root', type: 'bytes32' },
        { name: 'nonce', type: 'uint32' },
      ],
    };
    const value = { root: id('root'), nonce: 9 };
    const signature = await signer.signTypedData(domain, types, value);
    expect(verifyTypedData(domain, types, value, signature)).toBe(wallet.address);
    expect(signature).toBe(await wallet.signTypedData(domain, types, value));
  });
});
