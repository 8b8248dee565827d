import type { NativeUnit } from '../config/amounts.js';
import type { FundingAccount } from '../inventory/types.js';

/**
 * The Keymaster's data: what a sweep reads, what the decision makes of it, what is sent, and what
 * a run reports. Types only: every module of the Keymaster imports from here, and this imports
 * nothing of theirs, so no two of them need each other.
 */

// ---- Reading the chain ----

/** A balance read from a chain, or why it could not be read. Unknown is never taken as zero. */
export type BalanceReading = { known: true; wei: bigint } | { known: false; reason: string };

/** A transfer from the bank seen in the pending block (sent, not yet mined). */
export interface InFlightTransfer {
  hash: string;
  to: string;
  value: bigint;
  nonce: number;
}

export interface BankState {
  address: string;
  /** Balance at the `pending` block: in-flight payments already deducted. */
  balance: BalanceReading;
  latestNonce: number;
  pendingNonce: number;
  inFlight: InFlightTransfer[];
  /** Set when the bank has in-flight transactions that the pending block does not show. */
  busy?: string;
}

export interface ChainSweep {
  network: string;
  chainId: number;
  /** The chain answered the batch (individual accounts may still be unknown). */
  ok: boolean;
  error?: string;
  /** Keyed by lower-cased address. */
  balances: Map<string, BalanceReading>;
  bank?: BankState;
  blockNumber?: number;
  baseFeePerGas?: bigint;
  gasPrice?: bigint;
  maxPriorityFeePerGas?: bigint;
  /** HTTP requests made to the chain's RPC (retries included). */
  requests: number;
  attempts: number;
  durationMs: number;
  /** Methods that failed, for `nomad_keymaster_rpc_errors_total{network,method}`; 'batch' for the request. */
  rpcErrors: string[];
  /** The batch size the provider accepted (lowered from `maxBatchSize` when it refused larger ones). */
  batchSize?: number;
  /** The provider refused batches altogether: calls go one per request. */
  noBatches?: boolean;
}

// ---- Deciding ----

export type DecisionReason =
  /** Below `lower`: topped up to `target`. */
  | 'funded'
  /** At or above `lower` (counting pending top-ups): nothing sent. */
  | 'healthy'
  /** The bank would fall below reserve + fees by paying this one. */
  | 'bank-too-low'
  /** Paying this one would exceed the network's cap for the run. */
  | 'cap-reached'
  /** The account's or the bank's balance (or the fee) could not be read. */
  | 'balance-unknown'
  /** The bank has transactions in flight that could not be inspected; paying now could pay twice. */
  | 'bank-busy'
  /** The account is the bank itself: never paid. */
  | 'is-bank'
  /** A transfer to it would revert, or needs more gas than the network's ceiling: never sent. */
  | 'unfundable';

/** A funding row whose address is known. */
export interface AddressedAccount extends FundingAccount {
  address: string;
}

/** What the Keymaster knows about one network at decision time. */
export interface NetworkState {
  network: string;
  bankAddress: string;
  /** The bank's balance including its own in-flight transactions (the `pending` block). */
  bankBalance: BalanceReading;
  /** Worst-case fee of one plain top-up (21,000 gas × max fee per gas); undefined when unknown. */
  feePerTransfer: bigint | undefined;
  /** Max fee per gas: with a recipient's gas estimate, its worst-case fee is gas limit × this. */
  feePerGas?: bigint;
  /** For amounts in messages (default: wei). */
  unit?: NativeUnit;
  reserve: bigint;
  alertBelow: bigint;
  capPerRun: bigint;
  /** Set when paying on this network now could pay twice (see `bank-busy`). */
  busy?: string;
}

export type GasEstimate =
  /** The transfer fits: sign it with this gas limit. */
  | { kind: 'ok'; gasLimit: bigint; estimate: bigint }
  /** The transfer cannot land (reverts, or needs more gas than the ceiling): never sent. */
  | { kind: 'unfundable'; reason: string }
  /** The chain could not tell (an RPC failure, or the bank cannot cover the amount): not sent this run. */
  | { kind: 'unknown'; reason: string };

export interface DecideInput {
  accounts: AddressedAccount[];
  /** Keyed by `accountKey(network, address)`. A missing entry is an unknown balance. */
  balances: ReadonlyMap<string, BalanceReading>;
  /** Incoming amounts already sent by the bank and not yet mined, keyed like `balances`. */
  pending: ReadonlyMap<string, bigint>;
  networks: Record<string, NetworkState>;
  /**
   * Gas estimates of the transfers, keyed like `balances`. Without an entry a top-up is a plain
   * transfer (21,000 gas); `unfundable` and `unknown` entries are not paid.
   */
  gas?: ReadonlyMap<string, GasEstimate>;
  /** Per network, keyed by lower-cased address: thresholds replacing the role's. */
  overrides?: Record<string, Record<string, { lower: bigint; target: bigint }>>;
}

export interface Decision {
  network: string;
  chainId: number;
  /** As given in the first row (checksummed when the caller checksummed it). */
  address: string;
  /** Every funding row that names this address on this network. */
  rows: FundingAccount[];
  homes: string[];
  roles: string[];
  label: string;
  lower: bigint;
  target: bigint;
  balance: BalanceReading;
  pendingIn: bigint;
  /** Wei to send; 0 unless the reason is `funded`. */
  amount: bigint;
  /** Gas limit of the top-up, from the recipient's estimate (funded decisions). */
  gasLimit?: bigint;
  reason: DecisionReason;
  /** One line for an operator: why. */
  detail: string;
}

export interface NetworkPlan {
  network: string;
  bankAddress: string;
  bankBalance: BalanceReading;
  /** Sum of planned amounts. */
  spend: bigint;
  /** Worst-case fees of the planned transfers. */
  fees: bigint;
  transfers: number;
  /** Bank balance after the planned transfers at worst-case fees; undefined when unknown. */
  bankAfter: bigint | undefined;
  /** The bank is (or will be after this run) below its alert level, or its balance is unknown. */
  bankLow: boolean;
}

export interface DecideResult {
  decisions: Decision[];
  networks: NetworkPlan[];
}

// ---- Sending ----

export type FeeQuote =
  { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

export interface Transfer {
  to: string;
  amount: bigint;
  /** From the recipient's estimate; a plain transfer's 21,000 when absent. */
  gasLimit?: bigint;
  /** The recipient's lower bound: a stuck or refused top-up to a wallet now at or above it is cancelled. */
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
  /** Not broadcast, or withdrawn before it could be mined (replaced by a zero-value self-transfer). */
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
  /** The hash of the zero-value self-transfer that filled its nonce after the node refused it. */
  fillHash?: string;
  lower?: bigint;
}

// ---- A run ----

export interface KeymasterLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** One wallet on one chain, as read. */
export interface BalanceRow {
  network: string;
  chainId: number;
  address: string;
  homes: string[];
  roles: string[];
  label: string;
  balance: BalanceReading;
  lower: bigint;
  target: bigint;
}

/** address: a key's address unknown; untrusted-key: a key the toolkit did not make for its alias,
 * or whose key policy or grants let someone else use it (neither signs nor is paid); rpc: a chain could not be swept; unfunded: a wallet stays
 * below lower; unfundable: a transfer to it would revert (or did); send: a top-up not mined;
 * signer: the signer is not the bank; bank-low: the bank is below its alert level; config: the
 * environment does not fit the request; unapproved: the file's funding settings are not the ones
 * the last approved apply recorded, so nothing was sent; lease: the bank's lease could not be
 * taken or was lost; ledger: a payment could not be written to the ledger (after it was sent). */
export type FailureKind =
  | 'address'
  | 'rpc'
  | 'unfunded'
  | 'unfundable'
  | 'send'
  | 'signer'
  | 'bank-low'
  | 'config'
  | 'unapproved'
  | 'untrusted-key'
  | 'lease'
  | 'ledger'
  /** A bank rotation left money on the old bank, or could not move the bank alias. */
  | 'bank-rotation';

export interface KeymasterFailure {
  kind: FailureKind;
  network?: string;
  address?: string;
  alias?: string;
  message: string;
}

export interface BankSummary {
  network: string;
  address: string;
  before: BalanceReading;
  /**
   * What the chain holds after the run: read again after sending, else as read before (a dry run
   * sends nothing). Never a projection: that is `projected`.
   */
  after: BalanceReading;
  /** The balance after the planned top-ups at worst-case fees (what a dry run would leave). */
  projected?: bigint;
  alertBelow: bigint;
  reserve: bigint;
  low: boolean;
}

/** Failed RPC methods per network, for `nomad_keymaster_rpc_errors_total`. */
export interface RpcErrorNote {
  network: string;
  method: string;
}

export interface KeymasterRun {
  environment: string;
  dryRun: boolean;
  startedAt: number;
  finishedAt: number;
  bankAddress: string;
  before: BalanceRow[];
  decisions: Decision[];
  plans: NetworkPlan[];
  sent: TxResult[];
  after: BalanceRow[];
  banks: BankSummary[];
  /** The sweeps of the run (before, and after when anything was sent). */
  sweeps: { before: ChainSweep[]; after: ChainSweep[] };
  /** Failed RPC methods per network, for `nomad_keymaster_rpc_errors_total`. */
  rpcErrors: RpcErrorNote[];
  failures: KeymasterFailure[];
  bankLow: boolean;
  /** Nothing failed, no wallet was left below its lower bound, no bank is below its alert level. */
  ok: boolean;
}
