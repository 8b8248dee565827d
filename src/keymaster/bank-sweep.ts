import type { AbstractSigner } from 'ethers';
import type { ResolvedEnvironment, ResolvedNetwork } from '../config/model.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../config/schema.js';
import { sweepChain, type SweepOptions } from './balances.js';
import type { RpcLink } from './batch.js';
import { estimateGas } from './chain-reads.js';
import { capQuote, quoteFees } from './gas.js';
import { decideSweep, type OldBankReading, type SweepVerdict } from './bank-rotation.js';
import { networkRpcUrlProblem } from './rpc-url.js';
import type { FetchLike } from './rpc.js';
import { sendTopUps } from './send.js';
import type { ChainSweep, TxResult } from './types.js';

/**
 * One chain of a bank rotation: read the old bank, decide (bank-rotation.ts), send its balance
 * less the fee to the new bank as one transfer at the old bank's pending nonce (the send path's
 * `sendTopUps`, with the ledger's intent written before the broadcast), then read the old bank
 * again. Never throws on chain faults: the verdict says what is left and why.
 */

export interface SweepChainInput {
  env: ResolvedEnvironment;
  network: ResolvedNetwork;
  rpcUrl: string | undefined;
  oldBank: AbstractSigner;
  oldBankAddress: string;
  newBankAddress: string;
  dryRun: boolean;
  /** The ledger's intents (payUnderLease); throws to refuse the broadcast (lease lost). */
  beforeBroadcast?: (signed: TxResult[]) => Promise<void>;
  onRpcError?: (method: string) => void;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
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

export async function sweepOldBank(input: SweepChainInput): Promise<ChainSweepOutcome> {
  const { env, network } = input;
  const name = network.name;
  const settings = env.keymaster.networks[name];
  const options: SweepOptions = {
    timeoutMs: (settings?.rpc.timeoutSeconds ?? env.keymaster.rpcTimeoutSeconds) * 1000,
    retries: settings?.rpc.retries ?? 2,
    maxBatchSize: settings?.rpc.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  };
  const problem = networkRpcUrlProblem(input.rpcUrl, network);
  if (problem || !input.rpcUrl) {
    const reason =
      problem ??
      `the RPC URL of ${name} is missing: set the environment variable ${network.rpcUrlEnv}`;
    const wait: SweepVerdict = { kind: 'wait', network: name, reason, failed: true };
    return { network: name, before: wait, after: wait };
  }
  const url = input.rpcUrl;
  const read = async (): Promise<{ sweep: ChainSweep; reading: OldBankReading }> => {
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
    return { sweep, reading };
  };

  const first = await read();
  let before = decideSweep(first.reading);
  const link: RpcLink = {
    url,
    maxBatchSize: first.sweep.batchSize ?? options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    ...(first.sweep.noBatches ? { noBatches: true } : {}),
    timeoutMs: options.timeoutMs,
    retries: options.retries ?? 2,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  };
  if (before.kind === 'estimate') {
    // The transfer is estimated with the very amount, from the old bank: one that would revert
    // is never sent, so no fee is paid for it.
    const gas = await estimateGas(
      link,
      input.oldBankAddress,
      [{ address: input.newBankAddress, amount: before.amount }],
      settings?.gas.maxPerTransfer ?? DEFAULT_GAS_CEILING,
      (method) => input.onRpcError?.(method),
    );
    before = decideSweep({
      ...first.reading,
      gas: gas.get(input.newBankAddress) ?? {
        kind: 'unknown',
        reason: 'no answer to eth_estimateGas',
      },
    });
  }
  const verdict: SweepVerdict =
    before.kind === 'estimate'
      ? { kind: 'wait', network: name, reason: 'the transfer could not be estimated', failed: true }
      : before;
  if (verdict.kind !== 'sweep' || input.dryRun) {
    return { network: name, before: verdict, after: verdict };
  }

  const [sent] = await sendTopUps({
    network: name,
    chainId: network.chainId,
    rpcUrl: url,
    signer: input.oldBank,
    fees: first.reading.fees!,
    startNonce: first.sweep.bank!.pendingNonce,
    transfers: [{ to: input.newBankAddress, amount: verdict.amount, gasLimit: verdict.gasLimit }],
    rpcTimeoutMs: options.timeoutMs,
    receiptTimeoutMs: env.keymaster.receiptTimeoutSeconds * 1000,
    maxBatchSize: link.maxBatchSize,
    ...(link.noBatches ? { noBatches: true } : {}),
    ...(input.pollIntervalMs !== undefined ? { pollIntervalMs: input.pollIntervalMs } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
    ...(input.beforeBroadcast ? { beforeBroadcast: input.beforeBroadcast } : {}),
    ...(input.onRpcError ? { onRpcError: input.onRpcError } : {}),
  });
  const again = await read();
  return {
    network: name,
    before: verdict,
    ...(sent ? { sent } : {}),
    after: decideAfter(again.reading),
  };
}

/** After sending, the old bank is read again; a chain left with something to move waits for the next run. */
function decideAfter(reading: OldBankReading): SweepVerdict {
  const verdict = decideSweep(reading);
  if (verdict.kind === 'swept' || verdict.kind === 'wait') return verdict;
  return {
    kind: 'wait',
    network: reading.network,
    reason: `the old bank still holds ${reading.balance.known ? reading.balance.wei : 'an unknown amount of'} wei on ${reading.network} after its transfer: the next run sweeps it`,
    failed: true,
  };
}
