import type { AbstractSigner } from 'ethers';
import type { ResolvedEnvironment, ResolvedNetwork } from '../../config/model.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../../config/schema-keymaster.js';
import { sweepChain, type SweepOptions } from '../sweep/balances.js';
import type { RpcLink } from '../rpc/batch.js';
import { estimateGas } from '../run/chain-reads.js';
import { capQuote, quoteFees } from '../send/gas.js';
import { decideSweep, type OldBankReading, type SweepVerdict } from './decide.js';
import { networkRpcUrlProblem } from '../rpc/url.js';
import type { FetchLike } from '../rpc/rpc.js';
import { sendTransfer } from '../send/transfer.js';
import type { FeeQuote, TxResult } from '../types.js';

/**
 * One chain of a bank rotation, in two steps. `planSweep` reads the old bank (balance at the
 * pending block, nonces, fees), estimates the transfer to the new bank with the very amount, and
 * decides (bank-rotation.ts). `sendSweep` sends it as one transfer at the old bank's pending
 * nonce through the send path's `sendTransfer` (the ledger's intent written before the broadcast),
 * waits for its receipt and reads the old bank again. Neither throws on chain faults: the
 * verdicts say what is left and why.
 */

export interface SweepChainInput {
  env: ResolvedEnvironment;
  network: ResolvedNetwork;
  rpcUrl: string | undefined;
  oldBankAddress: string;
  newBankAddress: string;
  onRpcError?: (method: string) => void;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

/** What `planSweep` found on one chain, with what `sendSweep` needs to send. */
export interface PlannedSweep {
  network: string;
  verdict: SweepVerdict;
  fees?: FeeQuote;
  nonce?: number;
  link?: RpcLink;
  /** The old bank's balance at the pending block: all of it may leave, the fee included. */
  available?: bigint;
}

export interface ChainSweepOutcome {
  network: string;
  /** What the run found before sending. */
  before: SweepVerdict;
  /** The transfer to the new bank, when one was sent (mined or not). */
  sent?: TxResult;
  /** What the old bank holds after the run: the verdict the alias move is decided on. */
  after: SweepVerdict;
}

/** The most gas a transfer to the new bank may take when the network sets no ceiling. */
const DEFAULT_GAS_CEILING = 100_000n;

function sweepOptions(input: SweepChainInput): SweepOptions {
  const { env, network } = input;
  const settings = env.keymaster.networks[network.name];
  return {
    timeoutMs: (settings?.rpc.timeoutSeconds ?? env.keymaster.rpcTimeoutSeconds) * 1000,
    retries: settings?.rpc.retries ?? 2,
    maxBatchSize: settings?.rpc.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  };
}

/** The old bank on one chain as read now, and its pending nonce. */
async function readOldBank(
  input: SweepChainInput,
  url: string,
): Promise<{ reading: OldBankReading; nonce?: number; link: RpcLink }> {
  const { env, network } = input;
  const name = network.name;
  const settings = env.keymaster.networks[name];
  const options = sweepOptions(input);
  const sweep = await sweepChain(
    {
      network: name,
      chainId: network.chainId,
      rpcUrl: url,
      addresses: [],
      bank: input.oldBankAddress,
    },
    options,
  );
  for (const method of sweep.rpcErrors) input.onRpcError?.(method);
  const quote = sweep.ok ? quoteFees(sweep, network.eip1559) : undefined;
  const bank = sweep.bank;
  const inFlight = bank ? bank.pendingNonce - bank.latestNonce : 0;
  const reading: OldBankReading = {
    network: name,
    balance: !sweep.ok
      ? { known: false, reason: sweep.error ?? 'the chain did not answer' }
      : (bank?.balance ?? { known: false, reason: 'the old bank was not read' }),
    busy:
      bank?.busy ??
      (inFlight > 0
        ? `${inFlight} transaction(s) of the old bank are in flight on ${name}: the next run sweeps once they are mined`
        : undefined),
    fees: quote ? capQuote(quote, settings?.gas.maxFeePerGas) : undefined,
  };
  const link: RpcLink = {
    url,
    maxBatchSize: sweep.batchSize ?? options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    ...(sweep.noBatches ? { noBatches: true } : {}),
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? 2,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  };
  return { reading, ...(bank && sweep.ok ? { nonce: bank.pendingNonce } : {}), link };
}

export async function planSweep(input: SweepChainInput): Promise<PlannedSweep> {
  const name = input.network.name;
  const problem = networkRpcUrlProblem(input.rpcUrl, input.network);
  if (problem || !input.rpcUrl) {
    const reason =
      problem ??
      `the RPC URL of ${name} is missing: set the environment variable ${input.network.rpcUrlEnv}`;
    return { network: name, verdict: { kind: 'wait', network: name, reason, failed: true } };
  }
  const { reading, nonce, link } = await readOldBank(input, input.rpcUrl);
  let decided = decideSweep(reading);
  if (decided.kind === 'estimate') {
    // Estimated with the very amount, from the old bank: a transfer that would revert is never
    // sent, so no fee is paid for it.
    const settings = input.env.keymaster.networks[name];
    const gas = await estimateGas(
      link,
      input.oldBankAddress,
      [{ address: input.newBankAddress, amount: decided.amount }],
      settings?.gas.maxPerTransfer ?? DEFAULT_GAS_CEILING,
      (method) => input.onRpcError?.(method),
    );
    decided = decideSweep({
      ...reading,
      gas: gas.get(input.newBankAddress) ?? {
        kind: 'unknown',
        reason: 'no answer to eth_estimateGas',
      },
    });
  }
  const verdict: SweepVerdict =
    decided.kind === 'estimate'
      ? { kind: 'wait', network: name, reason: 'the transfer could not be estimated', failed: true }
      : decided;
  return {
    network: name,
    verdict,
    ...(reading.fees ? { fees: reading.fees } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(reading.balance.known ? { available: reading.balance.wei } : {}),
    link,
  };
}

/** Sends a planned `sweep` and reads the old bank again; any other plan is returned as it is. */
export async function sendSweep(
  input: SweepChainInput & {
    oldBank: AbstractSigner;
    /** The ledger's intents (payUnderLease); throws to refuse the broadcast (lease lost). */
    beforeBroadcast?: (signed: TxResult[]) => Promise<void>;
  },
  planned: PlannedSweep,
): Promise<ChainSweepOutcome> {
  const { verdict, fees, nonce, link, available } = planned;
  if (
    verdict.kind !== 'sweep' ||
    !fees ||
    nonce === undefined ||
    !link ||
    available === undefined
  ) {
    return { network: planned.network, before: verdict, after: verdict };
  }
  const options = sweepOptions(input);
  const settings = input.env.keymaster.networks[planned.network];
  // The send path's one transfer: estimated again with the very amount, never signed when it
  // would fail, sent at the old bank's pending nonce like a top-up.
  const outcome = await sendTransfer({
    network: planned.network,
    chainId: input.network.chainId,
    link,
    from: input.oldBankAddress,
    to: input.newBankAddress,
    available,
    maxGas: settings?.gas.maxPerTransfer ?? DEFAULT_GAS_CEILING,
    signer: input.oldBank,
    fees,
    startNonce: nonce,
    rpcTimeoutMs: options.timeoutMs,
    receiptTimeoutMs: input.env.keymaster.receiptTimeoutSeconds * 1000,
    ...(input.pollIntervalMs !== undefined ? { pollIntervalMs: input.pollIntervalMs } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
    ...(input.beforeBroadcast ? { beforeBroadcast: input.beforeBroadcast } : {}),
    ...(input.onRpcError ? { onRpcError: input.onRpcError } : {}),
  });
  if (outcome.kind === 'not-sent') {
    const wait: SweepVerdict = {
      kind: 'wait',
      network: planned.network,
      reason: outcome.reason,
      failed: true,
    };
    return { network: planned.network, before: verdict, after: wait };
  }
  const sent = outcome.result;
  const { reading } = await readOldBank(input, link.url);
  return {
    network: planned.network,
    before: verdict,
    ...(sent ? { sent } : {}),
    after: decideAfter(reading),
  };
}

/** After sending, a chain left with something to move waits for the next run. */
function decideAfter(reading: OldBankReading): SweepVerdict {
  const verdict = decideSweep(reading);
  if (verdict.kind === 'swept' || verdict.kind === 'wait') return verdict;
  return {
    kind: 'wait',
    network: reading.network,
    reason: `the old bank still holds ${reading.balance.known ? `${reading.balance.wei} wei` : 'an unknown amount'} on ${reading.network} after its transfer: the next run sweeps it`,
    failed: true,
  };
}
