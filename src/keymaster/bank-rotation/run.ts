import type { AbstractSigner } from 'ethers';
import type { ResolvedEnvironment, ResolvedNetwork } from '../../config/model.js';
import { errorMessage } from '../../errors.js';
import { aliasMayMove, type SweepVerdict } from './decide.js';
import {
  planSweep,
  sendSweep,
  type ChainSweepOutcome,
  type PlannedSweep,
  type SweepChainInput,
} from './sweep.js';
import { intentOf, type LedgerContext, type LedgerRecord } from '../state/ledger.js';
import type { RunKeymasterOptions } from '../run/options.js';
import type { FetchLike } from '../rpc/rpc.js';
import type {
  Decision,
  KeymasterFailure,
  KeymasterLogger,
  KeymasterRun,
  RpcErrorNote,
  TxResult,
} from '../types.js';

/**
 * A switched bank rotation, run by the Keymaster under the bank's lease after the run's top-ups
 * (which the old bank still pays): every chain's old balance less the fee goes to the new bank,
 * each transfer's ledger intent written before its broadcast; when no chain holds more than one
 * transfer's fee any more, the bank alias moves onto the new key (`moveAlias`, an adapter). A
 * chain that could not be swept keeps its money on the old key, is reported, and holds the alias
 * back; the next run starts again from what the chains hold, so nothing is sent twice.
 */

/** The ledger's role of a transfer from the old bank to the new one. */
export const BANK_ROTATION_ROLE = 'bank-rotation';

export interface BankRotationInput {
  env: ResolvedEnvironment;
  rpcUrls: Record<string, string | undefined>;
  oldBank: AbstractSigner;
  oldBankAddress: string;
  newBank: { keyId: string; address: string };
  dryRun: boolean;
  /** Moves the bank alias onto the new key (KMS UpdateAlias). */
  moveAlias: () => Promise<void>;
  beforeBroadcast?: RunKeymasterOptions['beforeBroadcast'];
  logger?: KeymasterLogger | undefined;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
}

export interface BankRotationReport {
  from: string;
  to: string;
  stagedKeyId: string;
  chains: ChainSweepOutcome[];
  /** Moved by this run. */
  aliasMoved: boolean;
  /** Networks still holding money on the old bank (or unread): the alias waits for them. */
  waiting: string[];
  failures: KeymasterFailure[];
  rpcErrors: RpcErrorNote[];
}

/** The decision the ledger names for a transfer to the new bank (its role: `bank-rotation`). */
function newBankDecision(
  network: string,
  chainId: number,
  address: string,
  amount: bigint,
): Decision {
  return {
    network,
    chainId,
    address,
    rows: [],
    homes: [],
    roles: [BANK_ROTATION_ROLE],
    label: 'new bank',
    lower: 0n,
    target: 0n,
    balance: { known: false, reason: 'not a wallet' },
    pendingIn: 0n,
    amount,
    reason: 'funded',
    detail: "bank rotation: the old bank's balance less the transfer's fee",
  };
}

export async function runBankRotation(input: BankRotationInput): Promise<BankRotationReport> {
  const { env, logger } = input;
  const failures: KeymasterFailure[] = [];
  const rpcErrors: RpcErrorNote[] = [];
  const chainInput = (network: ResolvedNetwork): SweepChainInput => ({
    env,
    network,
    rpcUrl: input.rpcUrls[network.name],
    oldBankAddress: input.oldBankAddress,
    newBankAddress: input.newBank.address,
    onRpcError: (method) => rpcErrors.push({ network: network.name, method }),
    ...(input.pollIntervalMs !== undefined ? { pollIntervalMs: input.pollIntervalMs } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  });
  const failedPlan = (network: string, error: unknown): PlannedSweep => ({
    network,
    verdict: { kind: 'wait', network, reason: errorMessage(error), failed: true },
  });
  const plans = await Promise.all(
    env.networks.map((n) => planSweep(chainInput(n)).catch((e: unknown) => failedPlan(n.name, e))),
  );
  // All or nothing: while one chain cannot be swept, none is, so the old bank keeps paying every
  // chain's top-ups and no chain's wallets wait for the alias without a bank that can pay them.
  const blocked = plans.filter((p) => p.verdict.kind === 'wait');
  const send = !input.dryRun && blocked.length === 0;
  const chains = await Promise.all(
    env.networks.map(async (network, i): Promise<ChainSweepOutcome> => {
      const planned = plans[i]!;
      if (!send) return { network: network.name, before: planned.verdict, after: planned.verdict };
      try {
        return await sendSweep(
          {
            ...chainInput(network),
            oldBank: input.oldBank,
            ...(input.beforeBroadcast
              ? {
                  beforeBroadcast: (signed: TxResult[]) =>
                    input.beforeBroadcast!(signed, {
                      from: input.oldBankAddress,
                      decisions: signed.map((tx) =>
                        newBankDecision(network.name, network.chainId, tx.to, tx.amount),
                      ),
                    }),
                }
              : {}),
          },
          planned,
        );
      } catch (error) {
        const wait: SweepVerdict = {
          kind: 'wait',
          network: network.name,
          reason: `the transfer to the new bank was not sent: ${errorMessage(error)}`,
          failed: true,
        };
        return { network: network.name, before: planned.verdict, after: wait };
      }
    }),
  );
  if (!input.dryRun && blocked.length > 0 && plans.some((p) => p.verdict.kind === 'sweep')) {
    logger?.warn(
      `bank rotation: nothing swept this run while ${blocked.map((p) => p.network).join(', ')} cannot be; the old bank keeps paying every chain`,
    );
  }
  for (const chain of chains) {
    if (chain.sent && chain.sent.status !== 'mined') {
      failures.push({
        kind: 'bank-rotation',
        network: chain.network,
        message: `${chain.network}: the transfer of the old bank's balance to the new bank ${input.newBank.address} ${chain.sent.status}${chain.sent.error ? `: ${chain.sent.error}` : ''}; the money stays on the old bank until the next run`,
      });
    } else if (chain.after.kind === 'wait' && chain.after.failed) {
      failures.push({
        kind: 'bank-rotation',
        network: chain.network,
        message: `${chain.network}: ${chain.after.reason}; the old bank keeps its money there and the bank alias stays until every chain is swept`,
      });
    } else if (chain.after.kind === 'wait') {
      logger?.warn(`${chain.network}: ${chain.after.reason}`);
    }
  }
  const verdict = aliasMayMove(
    chains.map((c) => c.after),
    env.networks.map((n) => n.name),
  );
  let aliasMoved = false;
  if (verdict.ready && !input.dryRun) {
    try {
      await input.moveAlias();
      aliasMoved = true;
      logger?.info(
        `every chain is swept: the bank alias now points at ${input.newBank.keyId} (${input.newBank.address})`,
      );
    } catch (error) {
      failures.push({
        kind: 'bank-rotation',
        message: `every chain is swept, but the bank alias could not be moved onto ${input.newBank.keyId} (${errorMessage(error)}); the next run moves it`,
      });
    }
  }
  return {
    from: input.oldBankAddress,
    to: input.newBank.address,
    stagedKeyId: input.newBank.keyId,
    chains,
    aliasMoved,
    waiting: verdict.ready ? [] : verdict.waiting,
    failures,
    rpcErrors,
  };
}

/** The ledger records of a rotation's mined transfers, like a run's top-ups (`recordsOf`). */
export function rotationRecords(
  report: BankRotationReport,
  context: LedgerContext,
  now: number,
): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const chain of report.chains) {
    const tx = chain.sent;
    if (!tx?.hash || tx.blockNumber === undefined || tx.fee === undefined) continue;
    if (tx.status !== 'mined' && tx.status !== 'reverted') continue;
    const decision = newBankDecision(tx.network, tx.chainId, tx.to, tx.amount);
    out.push({
      ...intentOf(tx, context, report.from, [decision], now),
      status: tx.status,
      feeWei: tx.fee.toString(),
      block: tx.blockNumber,
      time: new Date(now).toISOString(),
    });
  }
  return out;
}

/** A run that also carried a bank rotation (its report, failures and records with the run's). */
export type WithBankRotation<R extends KeymasterRun = KeymasterRun> = R & {
  bankRotation?: BankRotationReport;
};

/**
 * The run with the rotation's report; its failures fail the run (and so alert). On a chain the
 * rotation swept, the old bank holds only dust by design: its `bank-low` verdict is dropped (the
 * next run judges the new bank), so the run does not ask anyone to refill a key being retired.
 */
export function withBankRotation(
  run: KeymasterRun,
  rotation: { report?: BankRotationReport; failures: KeymasterFailure[] },
): WithBankRotation {
  const swept = new Set(
    (rotation.report?.chains ?? []).filter((c) => c.after.kind === 'swept').map((c) => c.network),
  );
  const retiring = (network: string | undefined) => network !== undefined && swept.has(network);
  const failures = [
    ...run.failures.filter((f) => !(f.kind === 'bank-low' && retiring(f.network))),
    ...rotation.failures,
  ];
  const banks = run.banks.map((b) => (retiring(b.network) ? { ...b, low: false } : b));
  const bankLow = banks.some((b) => b.low);
  return {
    ...run,
    ...(rotation.report ? { bankRotation: rotation.report } : {}),
    banks,
    bankLow,
    rpcErrors: [...run.rpcErrors, ...(rotation.report?.rpcErrors ?? [])],
    failures,
    ok: failures.length === 0 && !bankLow,
  };
}
