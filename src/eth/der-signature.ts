import { Signature, getBytes, recoverAddress, toBeHex, type BytesLike } from 'ethers';
import { InputError, OperationError } from '../errors.js';
import { DER_TAG, DerError, readDerChildren, readDerElement } from './der.js';

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

export interface RawSignature {
  r: bigint;
  s: bigint;
}

/**
 * Reads an ECDSA-Sig-Value, `SEQUENCE { INTEGER r, INTEGER s }`, as KMS Sign returns it.
 * Integers may be 33 bytes (a leading 00 keeps a high first byte positive) or shorter than 32.
 * Anything else — trailing bytes, negative, zero or out-of-range values — is refused.
 */
export function parseDerSignature(der: Uint8Array): RawSignature {
  const outer = readDerElement(der);
  if (outer.tag !== DER_TAG.SEQUENCE || outer.end !== der.length) {
    throw new DerError('signature is not a single DER SEQUENCE');
  }
  const children = readDerChildren(outer.content);
  if (children.length !== 2) {
    throw new DerError(`signature SEQUENCE has ${children.length} elements, expected r and s`);
  }
  const [r, s] = children.map((child, i) => readScalar(child.tag, child.content, i ? 's' : 'r'));
  return { r: r!, s: s! };
}

function readScalar(tag: number, content: Uint8Array, name: 'r' | 's'): bigint {
  if (tag !== DER_TAG.INTEGER) throw new DerError(`signature ${name} is not a DER INTEGER`);
  if (content.length === 0) throw new DerError(`signature ${name} is an empty INTEGER`);
  if (content[0]! & 0x80) throw new DerError(`signature ${name} is negative`);
  // DER integers are minimal: a leading 00 is only there to keep the next byte's high bit clear.
  if (content.length > 1 && content[0] === 0 && !(content[1]! & 0x80)) {
    throw new DerError(`signature ${name} has a non-minimal encoding`);
  }
  if (content.length > 33) throw new DerError(`signature ${name} is longer than 33 bytes`);
  const value = BigInt('0x' + Buffer.from(content).toString('hex'));
  if (value === 0n) throw new DerError(`signature ${name} is zero`);
  if (value >= SECP256K1_N) throw new DerError(`signature ${name} is not below the curve order`);
  return value;
}

/** Ethereum (EIP-2) accepts only s ≤ n/2; (r, n − s) is the same signature's other half. */
export function normalizeLowS(s: bigint): bigint {
  return s > SECP256K1_HALF_N ? SECP256K1_N - s : s;
}

/** A signature that recovers to neither parity's address: not this key's, or not over this digest. */
export class SignatureRecoveryError extends OperationError {
  override name = 'SignatureRecoveryError';
}

/**
 * Turns a DER signature of `digest` into an Ethereum signature: low s, and the yParity whose
 * recovered address is `expectedAddress`. Throws if neither parity recovers it — the signature
 * is then not from this key (wrong digest, wrong key, or a signer that hashed again).
 */
export function ethereumSignatureFromDer(
  digest: BytesLike,
  der: Uint8Array,
  expectedAddress: string,
): Signature {
  const digestBytes = getBytes(digest);
  if (digestBytes.length !== 32) {
    throw new InputError(`digest must be 32 bytes, got ${digestBytes.length}`);
  }
  const raw = parseDerSignature(der);
  const r = toBeHex(raw.r, 32);
  const s = toBeHex(normalizeLowS(raw.s), 32);
  const expected = expectedAddress.toLowerCase();
  for (const yParity of [0, 1] as const) {
    const candidate = Signature.from({ r, s, yParity });
    if (recoversTo(digestBytes, candidate) === expected) return candidate;
  }
  throw new SignatureRecoveryError(
    `signature does not recover to ${expectedAddress} with either parity: ` +
      'it was not made by this key over this digest',
  );
}

function recoversTo(digest: Uint8Array, signature: Signature): string | undefined {
  try {
    return recoverAddress(digest, signature).toLowerCase();
  } catch {
    return undefined; // r is not the x of a curve point for this parity
  }
}
