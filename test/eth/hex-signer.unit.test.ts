import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Wallet, id } from 'ethers';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SECP256K1_N } from '../../src/eth/der-signature.js';
import { HexKeySecretError, walletFromSecret } from '../../src/signer/hex-signer.js';
import { KmsSigner } from '../../src/signer/kms-signer.js';
import { createSigner } from '../../src/signer/factory.js';
import { fakeKms, serviceError } from './fake-kms.js';

const privateKey = id('hex-signer unit test key');
const secretId = 'nomad/development/bank';

function fakeSecrets(answer: { SecretString?: string } | Error) {
  const requests: unknown[] = [];
  const client = {
    async send(command: { input: unknown }) {
      requests.push(command.input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { secrets: client as unknown as SecretsManagerClient, requests };
}

/** Everything an error could leak through: message, stack, inspect (with cause), JSON. */
function everythingAbout(error: unknown): string {
  return [
    String(error),
    (error as Error).stack,
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
  ].join('\n');
}

describe('walletFromSecret', () => {
  it('returns a Wallet for a 0x-hex SecretString (trailing newline tolerated)', async () => {
    const { secrets, requests } = fakeSecrets({ SecretString: `${privateKey}\n` });
    const wallet = await walletFromSecret(secrets, secretId);
    expect(wallet).toBeInstanceOf(Wallet);
    expect(wallet.address).toBe(new Wallet(privateKey).address);
    expect(requests).toEqual([{ SecretId: secretId }]);
  });

  // Each malformed value embeds recognisable key material that must not leak.
  const leaky = privateKey.slice(2);
  const malformed: Array<[string, string, RegExp]> = [
    ['missing 0x', leaky, /does not start with 0x/],
    ['one hex digit short', `0x${leaky.slice(1)}`, /63 hex digits after 0x, expected 64/],
    ['two digits too many', `0x${leaky}ab`, /66 hex digits/],
    ['non-hex characters', `0x${leaky.slice(0, 62)}zz`, /not hex digits/],
    ['JSON instead of a bare key', JSON.stringify({ privateKey }), /does not start with 0x/],
    ['zero', '0x' + '0'.repeat(64), /out of range/],
    ['the curve order', '0x' + SECP256K1_N.toString(16), /out of range/],
  ];

  it.each(malformed)('refuses %s without echoing the secret', async (_name, value, reason) => {
    const { secrets } = fakeSecrets({ SecretString: value });
    const error = await walletFromSecret(secrets, secretId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HexKeySecretError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain(secretId);
    const text = everythingAbout(error);
    expect(text).not.toContain(value.slice(4, 40));
    expect(text).not.toContain(leaky.slice(0, 16));
  });

  it('explains a missing secret and a binary secret', async () => {
    const missing = fakeSecrets(
      serviceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
    );
    await expect(walletFromSecret(missing.secrets, secretId)).rejects.toThrow(
      /secret nomad\/development\/bank .*nomad-ops keys apply/,
    );
    const binary = fakeSecrets({});
    await expect(walletFromSecret(binary.secrets, secretId)).rejects.toThrow(/no SecretString/);
  });
});

describe('createSigner', () => {
  it('gives a Wallet for a secret and a KmsSigner for a KMS key, both signing as their key', async () => {
    const { secrets } = fakeSecrets({ SecretString: privateKey });
    const { kms } = fakeKms({ privateKey });
    const fromSecret = await createSigner({ kind: 'secret', secretId }, { kms, secrets });
    const fromKms = await createSigner({ kind: 'kms', keyId: 'alias/dev-bank' }, { kms, secrets });
    expect(fromSecret).toBeInstanceOf(Wallet);
    expect(fromKms).toBeInstanceOf(KmsSigner);
    const address = new Wallet(privateKey).address;
    expect(await fromSecret.getAddress()).toBe(address);
    expect(await fromKms.getAddress()).toBe(address);
    expect(await fromKms.signMessage('same')).toBe(await fromSecret.signMessage('same'));
  });
});
