export {
  accountKey,
  decideTopUps,
  mergeAccounts,
  UNFUNDED_REASONS,
  type AddressedAccount,
  type BalanceReading,
  type DecideInput,
  type DecideResult,
  type Decision,
  type DecisionReason,
  type NetworkPlan,
  type NetworkState,
} from './decide.js';
export {
  pendingIncoming,
  sweepBalances,
  sweepChain,
  type BankState,
  type ChainSweep,
  type InFlightTransfer,
  type SweepOptions,
  type SweepTarget,
} from './balances.js';
export {
  DEFAULT_PRIORITY_FEE,
  maxFeePerTransfer,
  quoteFees,
  sendTopUps,
  TRANSFER_GAS,
  type FeeQuote,
  type SendOptions,
  type Transfer,
  type TxResult,
  type TxStatus,
} from './send.js';
export {
  rpcUrlsFromEnv,
  runKeymaster,
  type BalanceRow,
  type BankSummary,
  type FailureKind,
  type KeymasterFailure,
  type KeymasterLogger,
  type KeymasterRun,
  type RunKeymasterOptions,
} from './run.js';
export {
  balanceTable,
  bankTable,
  decisionTable,
  formatAmount,
  renderRunConsole,
  renderRunMarkdown,
  sentTable,
  unitsOf,
  type UnitsByNetwork,
} from './render.js';
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
