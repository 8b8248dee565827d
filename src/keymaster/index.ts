export type {
  AddressedAccount,
  BalanceReading,
  BalanceRow,
  BankState,
  BankSummary,
  ChainSweep,
  DecideInput,
  DecideResult,
  Decision,
  DecisionReason,
  FailureKind,
  FeeQuote,
  GasEstimate,
  InFlightTransfer,
  KeymasterFailure,
  KeymasterLogger,
  KeymasterRun,
  NetworkPlan,
  NetworkState,
  Transfer,
  TxResult,
  TxStatus,
} from './types.js';
export { accountKey, decideTopUps, mergeAccounts, UNFUNDED_REASONS } from './decide.js';
export {
  pendingIncoming,
  sweepBalances,
  sweepChain,
  type SweepOptions,
  type SweepTarget,
} from './balances.js';
export { DEFAULT_PRIORITY_FEE, maxFeePerTransfer, quoteFees, TRANSFER_GAS } from './gas.js';
export { sendTopUps, type SendOptions } from './send.js';
export { runKeymaster, type RunKeymasterOptions } from './run.js';
export { rpcUrlsFromEnv } from './rpc-url.js';
export {
  balanceTable,
  bankTable,
  decisionTable,
  renderRunConsole,
  renderRunMarkdown,
  sentTable,
} from './render.js';
export { formatAmount, unitsOf, type UnitsByNetwork } from '../config/amounts.js';
export { KeymasterMetrics } from './metrics.js';
export {
  healthOf,
  serveKeymaster,
  STALE_INTERVALS,
  type HealthReport,
  type KeymasterService,
  type NetworkHealth,
  type ServeOptions,
} from './service.js';
export { redactUrl, RpcTransportError, type FetchLike } from './rpc.js';
