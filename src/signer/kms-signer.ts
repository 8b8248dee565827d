import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  AbstractSigner,
  Transaction,
  TypedDataEncoder,
  assert,
  copyRequest,
  getAddress,
  getBytes,
  hashMessage,
  resolveAddress,
  resolveProperties,
  type BytesLike,
  type Provider,
  type Signature,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from 'ethers';
import { errorMessage, InputError } from '../errors.js';
import { addressFromSpki } from '../eth/address.js';
import { ethereumSignatureFromDer } from '../eth/der-signature.js';
import { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from '../eth/key-spec.js';
import { KmsSignerError, SignerMismatchError, kmsSignerError } from './kms-errors.js';

export interface KmsSignerOptions {
  /** Build it with `createAwsClients` so throttling and transient errors are retried. */
  kms: KMSClient;
  /** Key id, key ARN, alias (`alias/staging-kovan-processor-signer`) or alias ARN. */
  keyId: string;
  provider?: Provider | null;
}

/**
 * An ethers v6 signer whose private key never leaves AWS KMS (DESIGN §4). The public key is
 * fetched once per key and shared by every signer `connect` derives; after that each signature
 * is exactly one KMS Sign call.
 */
export class KmsSigner extends AbstractSigner {
  readonly kms: KMSClient;
  readonly keyId: string;
  /** Shared with signers made by `connect`, so they do not fetch the public key again. */
  #addressCache: { promise?: Promise<string> | undefined } = {};

  constructor(options: KmsSignerOptions) {
    super(options.provider ?? null);
    this.kms = options.kms;
    this.keyId = options.keyId;
  }

  override connect(provider: Provider | null): KmsSigner {
    const connected = new KmsSigner({ kms: this.kms, keyId: this.keyId, provider });
    connected.#addressCache = this.#addressCache;
    return connected;
  }

  override getAddress(): Promise<string> {
    const cache = this.#addressCache;
    if (!cache.promise) {
      // Concurrent first callers share one request; a failure is not cached, so a retry can work.
      cache.promise = this.#fetchAddress().catch((error: unknown) => {
        cache.promise = undefined;
        throw error;
      });
    }
    return cache.promise;
  }

  async #fetchAddress(): Promise<string> {
    const operation = 'GetPublicKey';
    let response;
    try {
      response = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    } catch (error) {
      throw kmsSignerError(error, this.keyId, operation);
    }
    // Real KMS answers KeySpec (and the deprecated CustomerMasterKeySpec); moto only the latter.
    const spec = response.KeySpec ?? response.CustomerMasterKeySpec;
    if (spec !== ETHEREUM_KEY_SPEC || response.KeyUsage !== ETHEREUM_KEY_USAGE) {
      throw new KmsSignerError(
        `KMS key ${this.keyId} is ${spec ?? 'of unknown spec'} / ${response.KeyUsage ?? 'unknown usage'}; ` +
          `an Ethereum key must be ${ETHEREUM_KEY_SPEC} / ${ETHEREUM_KEY_USAGE}. ` +
          'Point the signer at a secp256k1 signing key.',
        this.keyId,
        operation,
      );
    }
    if (!response.PublicKey) {
      throw new KmsSignerError(
        `KMS returned no public key for ${this.keyId}`,
        this.keyId,
        operation,
      );
    }
    try {
      return addressFromSpki(response.PublicKey);
    } catch (error) {
      throw new KmsSignerError(
        `KMS public key of ${this.keyId} is unusable: ${errorMessage(error)}`,
        this.keyId,
        operation,
        { cause: error },
      );
    }
  }

  /** Signs a 32-byte hash as given (KMS `MessageType: DIGEST`): low s, parity checked. */
  async signDigest(digest: BytesLike): Promise<Signature> {
    const message = getBytes(digest);
    if (message.length !== 32) {
      throw new InputError(`signDigest needs a 32-byte digest, got ${message.length} bytes`);
    }
    // Before any Sign: the address is needed for the parity, and the key spec gets checked.
    const address = await this.getAddress();
    let der: Uint8Array | undefined;
    try {
      const response = await this.kms.send(
        new SignCommand({
          KeyId: this.keyId,
          Message: message,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      der = response.Signature;
    } catch (error) {
      throw kmsSignerError(error, this.keyId, 'Sign');
    }
    if (!der) throw new KmsSignerError(`KMS returned no signature`, this.keyId, 'Sign');
    try {
      return ethereumSignatureFromDer(message, der, address);
    } catch (error) {
      throw new KmsSignerError(
        `KMS Sign with key ${this.keyId} gave an unusable signature: ${errorMessage(error)}`,
        this.keyId,
        'Sign',
        { cause: error },
      );
    }
  }

  override async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    // Replace Addressables and ENS names with addresses, as ethers' Wallet does.
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this) : undefined,
      from: tx.from ? resolveAddress(tx.from, this) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null) {
      const address = await this.getAddress();
      if (getAddress(from) !== address) {
        throw new SignerMismatchError(from, this.keyId, address);
      }
    }
    delete tx.from;
    const unsigned = Transaction.from(tx as TransactionLike<string>);
    unsigned.signature = await this.signDigest(unsigned.unsignedHash);
    return unsigned.serialized;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      assert(
        this.provider != null,
        'cannot resolve ENS names without a provider',
        'UNSUPPORTED_OPERATION',
        {
          operation: 'resolveName',
          info: { name },
        },
      );
      const address = await this.provider.resolveName(name);
      assert(address != null, 'unconfigured ENS name', 'UNCONFIGURED_NAME', { value: name });
      return address;
    });
    const resolved = populated.value as Record<string, unknown>;
    const digest = TypedDataEncoder.hash(populated.domain, types, resolved);
    return (await this.signDigest(digest)).serialized;
  }
}
