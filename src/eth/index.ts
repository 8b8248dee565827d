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
export { KmsSignerError, isAliasReference, type KmsOperation } from './kms-errors.js';
export {
  ETHEREUM_KEY_SPEC,
  ETHEREUM_KEY_USAGE,
  KmsSigner,
  type KmsSignerOptions,
} from './kms-signer.js';
export {
  HexKeySecretError,
  hexKeyProblem,
  walletFromHexKey,
  walletFromSecret,
} from './hex-signer.js';
export { createSigner, type SignerSource } from './signer-factory.js';
