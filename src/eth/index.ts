/**
 * Pure Ethereum: addresses from public keys, DER, signatures. No AWS and no I/O, so the AWS
 * adapters (src/aws/) and the signers built on them (src/signer/) may import it.
 */
export {
  addressFromSpki,
  addressFromUncompressedPoint,
  uncompressedPointFromSpki,
} from './address.js';
export { DerError } from './der.js';
export {
  SECP256K1_HALF_N,
  SECP256K1_N,
  SignatureRecoveryError,
  ethereumSignatureFromDer,
  normalizeLowS,
  parseDerSignature,
  type RawSignature,
} from './der-signature.js';
export { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from './key-spec.js';
