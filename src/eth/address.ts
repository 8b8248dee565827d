import { getAddress, keccak256 } from 'ethers';
import { DER_TAG, DerError, readDerChildren, readDerElement } from './der.js';

// OIDs, DER-encoded: id-ecPublicKey 1.2.840.10045.2.1 and secp256k1 1.3.132.0.10.
const ID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const SECP256K1 = '2b8104000a';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The 65-byte uncompressed point `04 || X || Y` from a DER SubjectPublicKeyInfo, as KMS
 * GetPublicKey returns it. Refuses anything that is not an EC key on secp256k1.
 */
export function uncompressedPointFromSpki(spki: Uint8Array): Uint8Array {
  const outer = readDerElement(spki);
  if (outer.tag !== DER_TAG.SEQUENCE || outer.end !== spki.length) {
    throw new DerError('public key is not a DER SubjectPublicKeyInfo SEQUENCE');
  }
  const [algorithm, bitString] = readDerChildren(outer.content);
  if (
    !algorithm ||
    !bitString ||
    algorithm.tag !== DER_TAG.SEQUENCE ||
    bitString.tag !== DER_TAG.BIT_STRING
  ) {
    throw new DerError('public key SubjectPublicKeyInfo has an unexpected shape');
  }
  const [algOid, curveOid] = readDerChildren(algorithm.content);
  if (algOid?.tag !== DER_TAG.OID || hex(algOid.content) !== ID_EC_PUBLIC_KEY) {
    throw new DerError('public key is not an elliptic-curve key');
  }
  if (curveOid?.tag !== DER_TAG.OID || hex(curveOid.content) !== SECP256K1) {
    throw new DerError('public key is not on secp256k1 (Ethereum needs KeySpec ECC_SECG_P256K1)');
  }
  // First content byte of a BIT STRING is the count of unused bits: 0 here.
  const point = bitString.content.subarray(1);
  if (bitString.content[0] !== 0 || point.length !== 65 || point[0] !== 0x04) {
    throw new DerError('public key is not an uncompressed 65-byte point');
  }
  return point;
}

/** EIP-55 address from an uncompressed point `04 || X || Y`: last 20 bytes of keccak256(X || Y). */
export function addressFromUncompressedPoint(point: Uint8Array): string {
  if (point.length !== 65 || point[0] !== 0x04)
    throw new DerError('expected a 65-byte uncompressed point');
  return getAddress('0x' + keccak256(point.subarray(1)).slice(-40));
}

export function addressFromSpki(spki: Uint8Array): string {
  return addressFromUncompressedPoint(uncompressedPointFromSpki(spki));
}
