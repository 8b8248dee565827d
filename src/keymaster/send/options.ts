import type { AbstractSigner } from 'ethers';
import type { FetchLike } from '../rpc/rpc.js';
import type { FeeQuote, Transfer, TxResult } from '../types.js';

/** What `sendTopUps` needs: the chain, the bank's signer, the transfers, and its limits. */
export interface SendOptions {
  network: string;
  chainId: number;
  rpcUrl: string;
  signer: AbstractSigner;
  fees: FeeQuote;
  /** The bank's `pending` nonce: the first transfer uses it, the next ones count up. */
  startNonce: number;
  transfers: Transfer[];
  rpcTimeoutMs: number;
  receiptTimeoutMs: number;
  pollIntervalMs?: number;
  /** Signatures in flight at once (KMS allows 300 Sign/s per account and region). */
  signConcurrency?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Called with the JSON-RPC method of each failed request, for metrics. */
  onRpcError?: (method: string) => void;
  now?: () => number;
  /** Largest batch sent in one request (what the sweep learned works). */
  maxBatchSize?: number;
  noBatches?: boolean;
  /**
   * A top-up not mined this long after its broadcast is replaced at the same nonce when it bids
   * less than the chain now asks (`requote`). Default: never.
   */
  replaceAfterMs?: number;
  /** The fees the chain asks now; undefined when they could not be read. */
  requote?: () => Promise<FeeQuote | undefined>;
  /** Current balances of recipients (lower-cased address → wei); unread ones absent. */
  balancesOf?: (addresses: string[]) => Promise<Map<string, bigint>>;
  /** Cap of a replacement's price per gas, in wei. */
  maxFeePerGas?: bigint;
  /**
   * Called with the signed top-ups (hash, nonce, recipient, amount known) before any is
   * broadcast: the ledger's intents, so a kill after broadcasting leaves no payment unrecorded.
   * It reports its own failures and the sends go on, except that it throws to refuse the broadcast
   * (the bank's lease was lost): that network then fails alone and nothing of it is broadcast.
   */
  beforeBroadcast?: (signed: TxResult[]) => Promise<void>;
  /** Called for each replacement broadcast (for logs). */
  onReplaced?: (result: TxResult, previousHash: string) => void;
  /**
   * Called for each refused top-up dealt with (for logs): sent again and taken, its nonce filled
   * by a self-transfer, sent with bumped fees over a self-transfer of the bank at its nonce, or
   * withdrawn (replaced by a self-transfer) because a nonce before it could not be filled.
   */
  onFilled?: (
    result: TxResult,
    by: 'resent' | 'self-transfer' | 'replaced-self-transfer' | 'withdrawn',
  ) => void;
}
