import { SigningKey, Wallet, id, toBigInt } from 'ethers';
import { describe, expect, it } from 'vitest';
import { DerError } from '../../src/eth/der.js';
import {
  SECP256K1_HALF_N,
  SECP256K1_N,
  SignatureRecoveryError,
  ethereumSignatureFromDer,
  normalizeLowS,
  parseDerSignature,
} from '../../src/eth/der-signature.js';
import { derInteger, derSignature, integerBytes, tlv } from './der-encode.js';

const key = new SigningKey(id('der-signature test key'));
const address = new Wallet(key.privateKey).address;

/** Deterministic digests and ethers' own (RFC 6979, low-s) signatures of them. */
function* signedDigests() {
  for (let i = 0; ; i++) {
    const digest = id(`digest ${i}`);
    const sig = key.sign(digest);
    yield { digest, sig, r: toBigInt(sig.r), s: toBigInt(sig.s) };
  }
}

function findSigned(predicate: (r: bigint, s: bigint) => boolean) {
  for (const candidate of signedDigests()) {
    if (predicate(candidate.r, candidate.s)) return candidate;
  }
  throw new Error('unreachable');
}

describe('ethereumSignatureFromDer', () => {
  it('turns a DER signature into the 65-byte signature ethers itself would make', () => {
    const { digest, sig, r, s } = findSigned((r) => r >> 255n === 0n && r >> 248n !== 0n);
    const der = derSignature(r, s);
    expect(der[3]).toBe(32); // r: 32 bytes, no padding
    const result = ethereumSignatureFromDer(digest, der, address);
    expect(result.serialized).toBe(sig.serialized);
    expect(result.serialized.length).toBe(2 + 65 * 2);
  });

  it('accepts a 33-byte r (leading 00 before a high byte)', () => {
    const { digest, sig, r, s } = findSigned((r) => r >> 255n === 1n);
    const der = derSignature(r, s);
    expect(der[3]).toBe(33);
    expect(der[4]).toBe(0);
    expect(ethereumSignatureFromDer(digest, der, address).serialized).toBe(sig.serialized);
  });

  it('normalises a high s, which KMS encodes as 33 bytes with a leading 00', () => {
    const { digest, sig, r, s } = findSigned((_r, s) => (SECP256K1_N - s) >> 255n === 1n);
    const highS = SECP256K1_N - s;
    expect(highS > SECP256K1_HALF_N).toBe(true);
    const der = derSignature(r, highS);
    const sLength = 4 + der[3]! + 1; // 30 L 02 Lr r… 02 Ls s…
    expect(der[sLength]).toBe(33);
    expect(der[sLength + 1]).toBe(0);
    const result = ethereumSignatureFromDer(digest, der, address);
    expect(toBigInt(result.s)).toBe(s);
    expect(result.yParity).toBe(sig.yParity);
    expect(result.serialized).toBe(sig.serialized);
  });

  it('left-pads a 31-byte r to 32 bytes', () => {
    const { digest, sig, r, s } = findSigned((r) => r >> 248n === 0n);
    const der = derSignature(r, s);
    expect(der[3]).toBeLessThanOrEqual(31);
    const result = ethereumSignatureFromDer(digest, der, address);
    expect(result.r.length).toBe(66);
    expect(result.serialized).toBe(sig.serialized);
  });

  it('left-pads a short s to 32 bytes', () => {
    const { digest, sig, r, s } = findSigned((_r, s) => s >> 248n === 0n);
    const result = ethereumSignatureFromDer(digest, derSignature(r, s), address);
    expect(result.s.length).toBe(66);
    expect(result.serialized).toBe(sig.serialized);
  });

  it('finds both parities over a run of signatures', () => {
    const parities = new Set<number>();
    const generator = signedDigests();
    for (let i = 0; i < 16; i++) {
      const { digest, sig, r, s } = generator.next().value!;
      const result = ethereumSignatureFromDer(digest, derSignature(r, SECP256K1_N - s), address);
      expect(result.serialized).toBe(sig.serialized);
      parities.add(result.yParity);
    }
    expect(parities).toEqual(new Set([0, 1]));
  });

  it('refuses to guess when neither parity recovers the expected address', () => {
    const { digest, r, s } = findSigned(() => true);
    const other = new Wallet(id('another key')).address;
    expect(() => ethereumSignatureFromDer(digest, derSignature(r, s), other)).toThrow(
      SignatureRecoveryError,
    );
    // The same signature over another digest is not this key's either.
    expect(() => ethereumSignatureFromDer(id('other'), derSignature(r, s), address)).toThrow(
      /does not recover to/,
    );
  });

  it('rejects a digest that is not 32 bytes', () => {
    const { r, s } = findSigned(() => true);
    expect(() => ethereumSignatureFromDer('0x1234', derSignature(r, s), address)).toThrow(
      /32 bytes/,
    );
  });
});

describe('parseDerSignature rejects malformed input', () => {
  const r = 0x1234n;
  const s = 0x5678n;
  const seq = (...parts: Uint8Array[]) =>
    tlv(
      0x30,
      parts.flatMap((p) => [...p]),
    );
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty input', new Uint8Array(), /truncated/],
    ['garbage bytes', Uint8Array.from([0xde, 0xad, 0xbe, 0xef]), /DER/],
    ['not a SEQUENCE', tlv(0x31, [...derInteger(r), ...derInteger(s)]), /SEQUENCE/],
    [
      'trailing bytes after the SEQUENCE',
      Uint8Array.from([...derSignature(r, s), 0]),
      /single DER SEQUENCE/,
    ],
    ['one INTEGER', seq(derInteger(r)), /1 elements/],
    ['three INTEGERs', seq(derInteger(r), derInteger(s), derInteger(s)), /3 elements/],
    [
      's is not an INTEGER',
      seq(derInteger(r), tlv(0x04, integerBytes(s))),
      /s is not a DER INTEGER/,
    ],
    ['empty r', seq(tlv(0x02, []), derInteger(s)), /r is an empty INTEGER/],
    ['negative r', seq(tlv(0x02, [0x80, 1]), derInteger(s)), /r is negative/],
    ['zero s', seq(derInteger(r), tlv(0x02, [0])), /s is zero/],
    ['r equal to n', seq(derInteger(SECP256K1_N), derInteger(s)), /r is not below the curve order/],
    [
      's above n',
      seq(derInteger(r), derInteger(SECP256K1_N + 5n)),
      /s is not below the curve order/,
    ],
    [
      'non-minimal r',
      seq(tlv(0x02, [0, 0x12, 0x34]), derInteger(s)),
      /r has a non-minimal encoding/,
    ],
    [
      '34-byte s',
      seq(derInteger(r), tlv(0x02, [0, 0, ...new Array(32).fill(0x80)])),
      /s has a non-minimal/,
    ],
    [
      'length running past the end',
      Uint8Array.from([0x30, 0x10, 0x02, 0x01, 0x01]),
      /runs past the end/,
    ],
  ];
  it.each(cases)('%s', (_name, der, message) => {
    expect(() => parseDerSignature(der)).toThrow(DerError);
    expect(() => parseDerSignature(der)).toThrow(message);
  });

  it('reads well-formed integers of every length up to 33 bytes', () => {
    for (let bytes = 1; bytes <= 32; bytes++) {
      const value = (1n << BigInt(8 * bytes - 1)) + 1n; // high bit set: needs the leading 00
      const parsed = parseDerSignature(derSignature(value % SECP256K1_N, 7n));
      expect(parsed.r).toBe(value % SECP256K1_N);
      expect(parsed.s).toBe(7n);
    }
  });
});

describe('normalizeLowS', () => {
  it('keeps s ≤ n/2 and maps s > n/2 to n − s', () => {
    expect(normalizeLowS(SECP256K1_HALF_N)).toBe(SECP256K1_HALF_N);
    expect(normalizeLowS(SECP256K1_HALF_N + 1n)).toBe(SECP256K1_N - SECP256K1_HALF_N - 1n);
    expect(normalizeLowS(SECP256K1_N - 1n)).toBe(1n);
    expect(normalizeLowS(1n)).toBe(1n);
  });
});
