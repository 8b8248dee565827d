import { SigningKey, computeAddress, getBytes, id } from 'ethers';
import { describe, expect, it } from 'vitest';
import { addressFromSpki, uncompressedPointFromSpki } from '../../src/eth/address.js';
import { DerError } from '../../src/eth/der.js';
import { p256Spki, secp256k1Spki } from './spki.js';

/** First deterministic private key whose public point satisfies `predicate`. */
function findKey(predicate: (x: Uint8Array, y: Uint8Array) => boolean): string {
  for (let i = 0; ; i++) {
    const privateKey = id(`address test key ${i}`);
    const point = getBytes(new SigningKey(privateKey).publicKey);
    if (predicate(point.subarray(1, 33), point.subarray(33))) return privateKey;
  }
}

describe('addressFromSpki', () => {
  const cases: Array<[string, string]> = [
    ['private key 1 (the generator point)', '0x' + '00'.repeat(31) + '01'],
    ['an arbitrary key', id('address test key 0')],
    ['a key whose X starts with a zero byte', findKey((x) => x[0] === 0)],
    ['a key whose Y starts with a zero byte', findKey((_x, y) => y[0] === 0)],
    ['a key whose X has its high bit set', findKey((x) => x[0]! >= 0x80)],
  ];

  it.each(cases)('matches ethers computeAddress for %s', (_name, privateKey) => {
    const spki = secp256k1Spki(privateKey);
    const address = addressFromSpki(spki);
    expect(address).toBe(computeAddress(privateKey));
    // EIP-55 checksummed, not lower case.
    expect(address).not.toBe(address.toLowerCase());
  });

  it('keeps leading zero bytes of X and Y in the 65-byte point', () => {
    for (const predicate of [
      (x: Uint8Array) => x[0] === 0,
      (_x: Uint8Array, y: Uint8Array) => y[0] === 0,
    ]) {
      const privateKey = findKey(predicate);
      const point = uncompressedPointFromSpki(secp256k1Spki(privateKey));
      expect(point.length).toBe(65);
      expect(Buffer.from(point).toString('hex')).toBe(
        new SigningKey(privateKey).publicKey.slice(2),
      );
    }
  });

  it('refuses a NIST P-256 public key', () => {
    expect(() => addressFromSpki(p256Spki())).toThrow(DerError);
    expect(() => addressFromSpki(p256Spki())).toThrow(/not on secp256k1/);
  });

  it('refuses truncated or padded SPKI', () => {
    const spki = secp256k1Spki(id('address test key 0'));
    expect(() => addressFromSpki(spki.subarray(0, spki.length - 1))).toThrow(DerError);
    expect(() => addressFromSpki(Uint8Array.from([...spki, 0]))).toThrow(DerError);
  });
});
