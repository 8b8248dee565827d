/**
 * Ethereum signers whose keys live in AWS: the KMS signer and the development hex-key wallet,
 * and one factory over both. Above src/aws/ and src/eth/, which it combines.
 */
export {
  KmsSignerError,
  SignerMismatchError,
  isAliasReference,
  type KmsOperation,
} from './kms-errors.js';
export { KmsSigner, type KmsSignerOptions } from './kms-signer.js';
export {
  HexKeySecretError,
  hexKeyProblem,
  walletFromHexKey,
  walletFromSecret,
} from './hex-signer.js';
export { createSigner, type SignerSource } from './factory.js';
