import { keccak256 } from 'ethers';
import { errorMessage } from '../../errors.js';
import type { Attempt } from './attempt.js';
import type { SendOptions } from './options.js';
import { selfTransfer, unsignedTransfer } from './transactions.js';
import type { FeeQuote } from '../types.js';

/** Signing for the send path: a transfer, or a zero-value self-transfer at a nonce. */

/** Signed bytes and their hash, or why they could not be signed. */
export type Signature = { ok: true; raw: string; hash: string } | { ok: false; error: string };

type Signing = Pick<SendOptions, 'signer' | 'chainId'>;

async function signed(sign: () => Promise<string>): Promise<Signature> {
  try {
    const raw = await sign();
    return { ok: true, raw, hash: keccak256(raw) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/** The attempt's transfer at its nonce, with `fees`. */
export function signTransfer(attempt: Attempt, fees: FeeQuote, options: Signing) {
  return signed(() =>
    options.signer.signTransaction(
      unsignedTransfer(attempt.transfer, attempt.nonce, options.chainId, fees),
    ),
  );
}

/**
 * A zero-value transfer from the bank to itself at `nonce`: it fills a nonce (or cancels what is
 * there) and pays no one.
 */
export function signSelfTransfer(nonce: number, fees: FeeQuote, options: Signing) {
  return signed(async () =>
    options.signer.signTransaction(
      selfTransfer(await options.signer.getAddress(), nonce, options.chainId, fees),
    ),
  );
}
