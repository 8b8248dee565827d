import type { KMSClient } from '@aws-sdk/client-kms';
import { SigningKey, sha256, toBigInt } from 'ethers';
import { SECP256K1_N } from '../../src/eth/der-signature.js';
import { derSignature } from './der-encode.js';
import { secp256k1Spki } from './spki.js';

export interface FakeKmsOptions {
  privateKey: string;
  /** What GetPublicKey reports; moto style (CustomerMasterKeySpec only) unless `realKeySpec`. */
  keySpec?: string;
  keyUsage?: string;
  realKeySpec?: boolean;
  /** Public key to return instead of the private key's (e.g. a P-256 SPKI). */
  publicKey?: Uint8Array;
  /** Sign sha256(message) instead of the message, as unpatched moto does with DIGEST. */
  hashesAgain?: boolean;
  /** Errors to throw, by operation, in order, before answering normally. */
  errors?: Partial<Record<'GetPublicKey' | 'Sign', Error[]>>;
}

/** An in-memory KMS that answers GetPublicKey and Sign like KMS does, high s included. */
export function fakeKms(options: FakeKmsOptions) {
  const key = new SigningKey(options.privateKey);
  const calls: Array<{ operation: string; input: Record<string, unknown> }> = [];
  let signCount = 0;
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const operation = command.constructor.name.replace(/Command$/, '');
      calls.push({ operation, input: command.input });
      await Promise.resolve();
      const error = options.errors?.[operation as 'Sign']?.shift();
      if (error) throw error;
      if (operation === 'GetPublicKey') {
        const spec = options.keySpec ?? 'ECC_SECG_P256K1';
        return {
          KeyId: command.input.KeyId,
          PublicKey: options.publicKey ?? secp256k1Spki(options.privateKey),
          CustomerMasterKeySpec: spec,
          ...(options.realKeySpec ? { KeySpec: spec } : {}),
          KeyUsage: options.keyUsage ?? 'SIGN_VERIFY',
        };
      }
      if (operation === 'Sign') {
        const message = command.input.Message as Uint8Array;
        const sig = key.sign(options.hashesAgain ? sha256(message) : message);
        // KMS returns high s about half the time; alternate so both paths run.
        const s = signCount++ % 2 ? SECP256K1_N - toBigInt(sig.s) : toBigInt(sig.s);
        return { Signature: derSignature(toBigInt(sig.r), s) };
      }
      throw new Error(`fake KMS does not implement ${operation}`);
    },
  };
  return { kms: client as unknown as KMSClient, calls };
}

/** An error shaped like the SDK's service exceptions. */
export function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
