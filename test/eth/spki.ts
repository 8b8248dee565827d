import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SigningKey, getBytes } from 'ethers';

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** SPKI DER of a secp256k1 private key's public key, encoded by Node's crypto (not by us). */
export function secp256k1Spki(privateKey: string): Uint8Array {
  const point = getBytes(new SigningKey(privateKey).publicKey); // 04 || X || Y
  const jwk = {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64url(point.subarray(1, 33)),
    y: base64url(point.subarray(33)),
  };
  return new Uint8Array(
    createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }),
  );
}

/** SPKI DER of a fresh NIST P-256 key: what a wrongly-specced KMS key would return. */
export function p256Spki(): Uint8Array {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}
