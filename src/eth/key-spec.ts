/** The only KMS key an Ethereum address can come from: secp256k1, for signing. */
export const ETHEREUM_KEY_SPEC = 'ECC_SECG_P256K1';
export const ETHEREUM_KEY_USAGE = 'SIGN_VERIFY';
