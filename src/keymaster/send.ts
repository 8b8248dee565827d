import { keccak256, type AbstractSigner } from 'ethers';
import type { ChainSweep } from './balances.js';
import { callAll, type RpcLink } from './batch.js';
import { replacementFees } from './gas.js';
import { quantity, rpcBatch, sleep, type FetchLike, type RpcOutcome } from './rpc.js';

/**
 * Sending top-ups on one chain: every transfer signed with an explicit nonce counting up from the
 * bank's `pending` nonce, broadcast in nonce order, each once the node took the one before into its
 * pool (one round trip each; nothing waits for mining), then the receipts polled together, in
 * batches, until all are mined or the receipt timeout passes.
 *
 * Why not one batch: a node that refuses nonce k may still queue k+1… behind the gap, where the
 * next run's `pending` nonce does not see them; once anything fills k they are mined, and a wallet
 * the next run paid again is paid twice. So after the first refusal nothing more is broadcast.
 *
 * While waiting, a transfer not mined `replaceAfterMs` after the broadcast and bidding less than
 * the chain now asks is replaced at its nonce with bumped fees (or cancelled when its wallet was
 * funded meanwhile); every version's receipt is polled, so whichever is mined is the outcome.
 */

/** Gas of a plain value transfer to an account without code (agent keys are EOAs). */
export const TRANSFER_GAS = 21_000n;
/** Tip when the node cannot suggest one (ethers uses the same default). */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

export type FeeQuote =
  { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/**
 * EIP-1559 when the configuration says so, or, when it is silent, when the latest block has a
 * base fee; legacy otherwise. Max fee = 2 × base fee + tip: valid through six full blocks of
 * base-fee increases. Undefined when the chain gave nothing to price with.
 */
export function quoteFees(sweep: ChainSweep, eip1559?: boolean): FeeQuote | undefined {
  const use1559 = eip1559 ?? sweep.baseFeePerGas !== undefined;
  if (use1559) {
    const base = sweep.baseFeePerGas ?? sweep.gasPrice;
    if (base === undefined) return undefined;
    const tip = sweep.maxPriorityFeePerGas ?? DEFAULT_PRIORITY_FEE;
    return { type: 2, maxFeePerGas: 2n * base + tip, maxPriorityFeePerGas: tip };
  }
  if (sweep.gasPrice === undefined) return undefined;
  return { type: 0, gasPrice: sweep.gasPrice };
}

/** The most one transfer can cost in fees at this quote (a plain transfer unless `gas` is given). */
export function maxFeePerTransfer(quote: FeeQuote, gas: bigint = TRANSFER_GAS): bigint {
  return gas * (quote.type === 2 ? quote.maxFeePerGas : quote.gasPrice);
}

export interface Transfer {
  to: string;
  amount: bigint;
  /** From the recipient's estimate; a plain transfer's 21,000 when absent. */
  gasLimit?: bigint;
  /** The recipient's lower bound: a stuck top-up to a wallet now at or above it is cancelled. */
  lower?: bigint;
}

export type TxStatus =
  /** Mined and succeeded. */
  | 'mined'
  /** Mined and failed (the value did not move; the fee was paid). */
  | 'reverted'
  /** Broadcast (or possibly broadcast) and not mined within the receipt timeout. */
  | 'timeout'
  /** The node refused it. */
  | 'rejected'
  /** The signer failed; nothing was broadcast. */
  | 'not-signed'
  /** Not broadcast: an earlier nonce was refused, unsigned or not confirmed (it would leave a gap). */
  | 'not-sent'
  /** Stuck, and its recipient no longer needed it: replaced by a zero-value self-transfer, mined. */
  | 'cancelled';

export interface TxResult {
  network: string;
  chainId: number;
  to: string;
  amount: bigint;
  nonce: number;
  hash?: string;
  status: TxStatus;
  blockNumber?: number;
  gasUsed?: bigint;
  effectiveGasPrice?: bigint;
  /** gasUsed × effectiveGasPrice, when mined. */
  fee?: bigint;
  error?: string;
  gasLimit?: bigint;
  /** The fees it was (last) signed with. */
  fees?: FeeQuote;
  /** Earlier transactions at the same nonce this one replaced (any of them may still be mined). */
  replaced?: string[];
  /** The hash of the zero-value self-transfer that cancels it, when one was sent. */
  cancelHash?: string;
  lower?: bigint;
}

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
  /** Largest batch of receipts polled in one request (what the sweep learned works). */
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
  /** Called for each replacement broadcast (for logs). */
  onReplaced?: (result: TxResult, previousHash: string) => void;
}

async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A node refusing a transaction it already holds (ours, sent again): it is in flight. */
const ALREADY_KNOWN = /already known|known transaction|alreadyknown|already imported/i;

type Broadcast =
  | { kind: 'accepted' }
  | { kind: 'refused'; message: string }
  | { kind: 'unconfirmed'; message: string };

/** One eth_sendRawTransaction; a transport failure is tried once more (the same bytes are idempotent). */
async function broadcast(
  raw: string,
  options: SendOptions,
  rpc: { timeoutMs: number; signal?: AbortSignal; fetch?: FetchLike },
): Promise<Broadcast> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (options.signal?.aborted) break;
    try {
      const [outcome] = await rpcBatch(
        options.rpcUrl,
        [{ method: 'eth_sendRawTransaction', params: [raw] }],
        rpc,
      );
      if (outcome?.ok || (outcome && ALREADY_KNOWN.test(outcome.message))) {
        return { kind: 'accepted' };
      }
      options.onRpcError?.('eth_sendRawTransaction');
      return { kind: 'refused', message: outcome?.message ?? 'no answer' };
    } catch (error) {
      options.onRpcError?.('eth_sendRawTransaction');
      lastError = error;
      if (attempt === 0) await sleep(200, options.signal);
    }
  }
  return { kind: 'unconfirmed', message: message(lastError ?? 'aborted') };
}

/** A quantity, or undefined when absent or malformed: for fields the result can do without. */
function lenientQuantity(value: unknown): bigint | undefined {
  try {
    return quantity(value, 'receipt field');
  } catch {
    return undefined;
  }
}

/**
 * Fills a result from its receipt; throws, leaving the result as it was, when the status or block
 * is unreadable. Without a readable effectiveGasPrice (older nodes) a legacy transfer's fee is
 * still exact (it pays its gas price); an EIP-1559 one's is left unknown rather than guessed.
 */
function readReceipt(result: TxResult, receipt: Record<string, unknown>, fees: FeeQuote): void {
  const status = quantity(receipt.status, 'status');
  const blockNumber = Number(quantity(receipt.blockNumber, 'blockNumber'));
  const gasUsed = lenientQuantity(receipt.gasUsed);
  const price =
    lenientQuantity(receipt.effectiveGasPrice) ?? (fees.type === 0 ? fees.gasPrice : undefined);
  result.status = status === 1n ? 'mined' : 'reverted';
  result.blockNumber = blockNumber;
  delete result.error;
  if (gasUsed !== undefined) result.gasUsed = gasUsed;
  if (price !== undefined) result.effectiveGasPrice = price;
  if (gasUsed !== undefined && price !== undefined) result.fee = gasUsed * price;
}

function unsignedTransfer(result: TxResult, chainId: number, fees: FeeQuote) {
  return {
    to: result.to,
    value: result.amount,
    nonce: result.nonce,
    chainId,
    gasLimit: result.gasLimit ?? TRANSFER_GAS,
    ...(fees.type === 2
      ? {
          type: 2,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        }
      : { type: 0, gasPrice: fees.gasPrice }),
  };
}

/**
 * Replaces the open transfers that bid less than the chain now asks: same nonce, same recipient
 * and amount, fees bumped (see `replacementFees`); or, when the recipient is now at or above its
 * lower bound, a zero-value self-transfer at that nonce (a cancel). Never a new nonce: whichever
 * version is mined, the recipient is paid at most once. Each replacement is recorded in the
 * result (`replaced`, `cancelHash`) and reported through `onReplaced`.
 */
async function replaceStuck(
  open: TxResult[],
  options: SendOptions,
  rpc: { timeoutMs: number; signal?: AbortSignal; fetch?: FetchLike },
): Promise<void> {
  const current = await options.requote?.();
  if (!current) return;
  const balances = options.balancesOf
    ? await options.balancesOf(open.filter((r) => r.lower !== undefined).map((r) => r.to))
    : new Map<string, bigint>();
  for (const result of open) {
    if (!result.fees || !result.hash || result.cancelHash) continue;
    const decision = replacementFees(result.fees, current, options.maxFeePerGas);
    if (decision.kind === 'keep') continue;
    if (decision.kind === 'capped') {
      result.error = `stuck at nonce ${result.nonce} and not replaced: ${decision.reason}`;
      continue;
    }
    // Funded meanwhile from elsewhere: the nonce is filled with nothing instead of a payment.
    const now = balances.get(result.to.toLowerCase());
    const cancel = result.lower !== undefined && now !== undefined && now >= result.lower;
    let raw: string;
    try {
      const unsigned = unsignedTransfer(result, options.chainId, decision.fees);
      raw = await options.signer.signTransaction(
        cancel
          ? {
              ...unsigned,
              to: await options.signer.getAddress(),
              value: 0n,
              gasLimit: TRANSFER_GAS,
            }
          : unsigned,
      );
    } catch (error) {
      result.error = `its replacement could not be signed: ${message(error)}`;
      continue;
    }
    const sent = await broadcast(raw, options, rpc);
    if (sent.kind === 'refused') {
      result.error = `the node refused its replacement: ${sent.message}`;
      continue;
    }
    // Accepted, or perhaps accepted: either version may be mined now, both are watched.
    const previous = result.hash;
    result.replaced = [...(result.replaced ?? []), previous];
    result.hash = keccak256(raw);
    if (cancel) result.cancelHash = result.hash;
    result.fees = decision.fees;
    options.onReplaced?.(result, previous);
  }
}

/** Signs, broadcasts and waits for the transfers; one result per transfer, in order. */
export async function sendTopUps(options: SendOptions): Promise<TxResult[]> {
  const now = options.now ?? Date.now;
  const rpc = { timeoutMs: options.rpcTimeoutMs, signal: options.signal, fetch: options.fetch };
  const results: TxResult[] = options.transfers.map((t, i) => ({
    network: options.network,
    chainId: options.chainId,
    to: t.to,
    amount: t.amount,
    nonce: options.startNonce + i,
    status: 'timeout',
    gasLimit: t.gasLimit ?? TRANSFER_GAS,
    fees: options.fees,
    ...(t.lower !== undefined ? { lower: t.lower } : {}),
  }));
  if (results.length === 0) return results;

  const signed = await mapLimited(results, options.signConcurrency ?? 16, async (result) => {
    try {
      const raw = await options.signer.signTransaction(
        unsignedTransfer(result, options.chainId, options.fees),
      );
      result.hash = keccak256(raw);
      return raw;
    } catch (error) {
      result.status = 'not-signed';
      result.error = `signing failed: ${message(error)}`;
      return undefined;
    }
  });
  // In nonce order; after the first transfer not surely in the pool, nothing more is broadcast.
  let stoppedBy: string | undefined;
  for (const [i, result] of results.entries()) {
    const raw = signed[i];
    if (stoppedBy !== undefined) {
      if (result.status !== 'not-signed') {
        result.status = 'not-sent';
        result.error = `not sent: ${stoppedBy}, and this nonce would wait behind the gap; the next run decides again`;
        delete result.hash;
      }
      continue;
    }
    if (raw === undefined) {
      stoppedBy = `nonce ${result.nonce} could not be signed`;
      continue;
    }
    const sent = await broadcast(raw, options, rpc);
    if (sent.kind === 'refused') {
      result.status = 'rejected';
      result.error = `the node refused the transaction: ${sent.message}`;
      stoppedBy = `the node refused nonce ${result.nonce}`;
    } else if (sent.kind === 'unconfirmed') {
      // The node may have taken it anyway: keep the hash and look for its receipt.
      result.error = `broadcast not confirmed: ${sent.message}`;
      stoppedBy = `the broadcast of nonce ${result.nonce} was not confirmed`;
    }
  }

  const waiting = () => results.filter((r) => r.status === 'timeout' && r.hash !== undefined);
  const link: RpcLink = {
    url: options.rpcUrl,
    maxBatchSize: options.maxBatchSize ?? 100,
    ...(options.noBatches ? { noBatches: true } : {}),
    timeoutMs: options.rpcTimeoutMs,
    retries: 0,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const deadline = now() + options.receiptTimeoutMs;
  let replaceAt =
    options.replaceAfterMs !== undefined && options.requote
      ? now() + options.replaceAfterMs
      : undefined;
  for (;;) {
    const open = waiting();
    if (open.length === 0 || options.signal?.aborted) break;
    // Every version of each open transfer: the replaced ones may still be mined instead.
    const asked = open.flatMap((r) =>
      [r.hash!, ...(r.replaced ?? [])].map((hash) => ({ r, hash })),
    );
    let receipts: RpcOutcome[] | undefined;
    try {
      receipts = await callAll(
        link,
        asked.map(({ hash }) => ({ method: 'eth_getTransactionReceipt', params: [hash] })),
      );
    } catch {
      options.onRpcError?.('eth_getTransactionReceipt');
    }
    receipts?.forEach((outcome, i) => {
      const { r: result, hash } = asked[i]!;
      if (result.status !== 'timeout' || !outcome.ok || !outcome.result) return;
      // Each receipt on its own: one malformed answer must not hide the others of this poll.
      try {
        readReceipt(result, outcome.result as Record<string, unknown>, result.fees ?? options.fees);
        if (hash === result.cancelHash && (result.status as TxStatus) === 'mined') {
          result.status = 'cancelled';
        }
        if (hash !== result.hash) {
          // An earlier version was mined: it is the payment; the later ones can never be.
          result.replaced = [...(result.replaced ?? []).filter((h) => h !== hash), result.hash!];
          result.hash = hash;
        }
      } catch (error) {
        options.onRpcError?.('eth_getTransactionReceipt');
        result.error = `its receipt could not be read: ${message(error)}`;
      }
    });
    if (waiting().length === 0 || now() >= deadline) break;
    if (replaceAt !== undefined && now() >= replaceAt) {
      await replaceStuck(waiting(), options, rpc);
      replaceAt = now() + options.replaceAfterMs!;
    }
    const wake = Math.min(options.pollIntervalMs ?? 1000, deadline - now());
    await sleep(
      replaceAt === undefined ? wake : Math.min(wake, Math.max(0, replaceAt - now())),
      options.signal,
    );
  }
  for (const result of waiting()) {
    result.error ??= `not mined within ${options.receiptTimeoutMs} ms; it may still be; the next run counts it as pending`;
  }
  return results;
}
