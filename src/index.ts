/**
 * The library an operator's script uses: load an environment, derive its inventory, sign with
 * its KMS keys, plan and apply its keys, run the Keymaster.
 *
 *   import { KmsSigner, loadEnvironmentFile, inventoryFor } from 'nomad-agent-ops';
 */
export {
  loadEnvironmentFile,
  loadEnvironmentText,
  resolveEnvironmentArg,
  type LoadResult,
} from './config/load.js';
export { formatProblem, formatPath, type Problem } from './config/problem.js';
export { ConfigError } from './config/errors.js';
export { renderJsonSchema } from './config/json-schema.js';
export { crossFieldIssues } from './config/validate.js';
export { fundedRoles } from './config/validate-keymaster.js';
export { resolveEnvironment } from './config/resolve.js';
export {
  type ResolvedEnvironment,
  type ResolvedAssignment,
  type ResolvedOperatorAccess,
  type ResolvedOperator,
  type ResolvedNetwork,
  type ThresholdWei,
  type ResolvedKeymasterNetwork,
  type ResolvedKeymaster,
} from './config/model.js';
export {
  AGENT_ROLES,
  ENVIRONMENT_NAMES,
  KEY_NAMES,
  defaultKeyNames,
  type AgentRole,
  type EnvironmentName,
  type KeyName,
} from './config/names.js';
export { Amount, RPC_URL_ENV_PATTERN, looksLikeUrl } from './config/schema-fields.js';
export {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_GAS_PER_TRANSFER,
  DEFAULT_REPLACE_AFTER_SECONDS,
  DEFAULT_RPC_RETRIES,
  ExtraAccount,
  KeymasterNetwork,
  Threshold,
} from './config/schema-keymaster.js';
export {
  AgentAssignment,
  Operator,
  OperatorAccess,
  OperatorName,
} from './config/schema-operators.js';
export {
  Network,
  Environment,
  type EnvironmentInput,
  type EnvironmentConfig,
  type NetworkConfig,
  type KeymasterNetworkConfig,
  type ThresholdConfig,
  type OperatorConfig,
  type AgentAssignmentConfig,
} from './config/schema.js';
export { InventoryError } from './inventory/errors.js';
export { baseTags, MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './inventory/tags.js';
export { keysFor, parseKeyName, rolesWithKeys } from './inventory/keys.js';
export {
  assertKeyGrantsExclusive,
  environmentAliasPattern,
  keyGrantsFor,
  keyGrantViolations,
  matchesStringLike,
  signerAliasPattern,
  signerSecretPattern,
  type KeyGrant,
} from './inventory/patterns.js';
export {
  checkRepository,
  GITHUB_OIDC_THUMBPRINTS,
  GITHUB_OIDC_URL,
  githubSubject,
  githubSubjectPrefix,
  keymasterGithubEnvironment,
  oidcProviderArn,
} from './inventory/github.js';
export { iamFor, roleDocuments, type IamOptions } from './inventory/iam.js';
export { bucketFor, PROOFS_PUBLIC_ACCESS_BLOCK } from './inventory/bucket.js';
export {
  FUNDED_ON_HOME,
  FUNDED_ON_REPLICAS,
  fundingFor,
  fundingMatrixFor,
  thresholdFor,
  type FundingMatrix,
} from './inventory/funding.js';
export { inventoryFor, inventoryJson, type InventoryOptions } from './inventory/inventory.js';
export { toJsonValue, type JsonValue } from './inventory/json.js';
export {
  type KeyPurpose,
  type KeySpec,
  type FundingAccount,
  type PolicyStatement,
  type PolicyDocument,
  type BootstrapMark,
  type BoundaryMark,
  type IamUserSpec,
  type IamGroupSpec,
  type GroupMembership,
  type ManagedPolicySpec,
  type PolicyAttachment,
  type OidcProviderSpec,
  type GithubRoleKind,
  type GithubRoleSpec,
  type GithubOidcSpec,
  type OperatorRoleSpec,
  type KeyParty,
  type KeyAccessSpec,
  type IamInventory,
  type CorsRule,
  type PublicAccessBlock,
  type BucketSpec,
  type UnfundedAccount,
  type Inventory,
} from './inventory/types.js';
export {
  checkKmsAlias,
  checkIamName,
  checkBucketName,
  checkSecretName,
  checkTags,
  aliasFor,
  bankAlias,
  keyDescription,
  bankDescription,
  secretNameFor,
  bankSecretName,
  secretPrefix,
  signerPolicyName,
  keymasterPolicyName,
  uploaderPolicyName,
  adminPolicyName,
  boundaryPolicyName,
  githubRoleName,
  defaultBucketName,
  environmentBucketPrefix,
  keyArnPattern,
  aliasArnPattern,
  policyArn,
  roleArn,
  userArn,
  MANAGED_GROUP_PATH,
  groupArn,
  bucketArn,
  secretArnPattern,
} from './inventory/names.js';
export {
  signerPolicyDocument,
  keymasterPolicyDocument,
  toolkitKeyPolicyDocument,
  uploaderPolicyDocument,
  bucketPolicyDocument,
  planPolicyDocument,
  applyPolicyDocument,
  applyIamPolicyDocument,
  checkPolicySize,
  proofObjectPattern,
  type ApplyScope,
  POLICY_SIZE_LIMITS,
} from './inventory/policies.js';
export { kmsAdminPolicyDocument } from './inventory/kms-admin.js';
export {
  githubTrustPolicyDocument,
  eksTrustStatement,
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_AUDIENCE,
  KEYMASTER_SERVICE_ACCOUNT,
} from './inventory/trust-policies.js';
export {
  addressFromSpki,
  addressFromUncompressedPoint,
  uncompressedPointFromSpki,
} from './eth/address.js';
export { DerError } from './eth/der.js';
export {
  SECP256K1_HALF_N,
  SECP256K1_N,
  SignatureRecoveryError,
  ethereumSignatureFromDer,
  normalizeLowS,
  parseDerSignature,
  type RawSignature,
} from './eth/der-signature.js';
export { ETHEREUM_KEY_SPEC, ETHEREUM_KEY_USAGE } from './eth/key-spec.js';
export {
  KmsSignerError,
  SignerMismatchError,
  isAliasReference,
  type KmsOperation,
} from './signer/kms-errors.js';
export { KmsSigner, type KmsSignerOptions } from './signer/kms-signer.js';
export {
  HexKeySecretError,
  hexKeyProblem,
  walletFromHexKey,
  walletFromSecret,
} from './signer/hex-signer.js';
export { createSigner, type SignerSource } from './signer/factory.js';
export { createAwsClients, type AwsClients, type AwsClientOptions } from './aws/clients.js';
export { assertAccount, callerAccount, AccountMismatchError } from './aws/sts.js';
export { runKeys, planKeys, prepareKeysIn, keyStoreFor } from './plan/keys/keys.js';
export { keyRows, type KeysResult } from './plan/keys/rows.js';
export { type KeyChange, type KeyRow } from './plan/keys/types.js';
export { keysJson, renderKeysConsole, renderKeysMarkdown } from './report/keys.js';
export type { Change, ChangeAction } from './plan/change.js';
export { NomadOpsError, InputError, OperationError, errorMessage, exitCodeOf } from './errors.js';
export {
  type AddressedAccount,
  type BalanceReading,
  type BalanceRow,
  type BankState,
  type BankSummary,
  type ChainSweep,
  type DecideInput,
  type DecideResult,
  type Decision,
  type DecisionReason,
  type FailureKind,
  type FeeQuote,
  type GasEstimate,
  type InFlightTransfer,
  type KeymasterFailure,
  type KeymasterLogger,
  type KeymasterRun,
  type NetworkPlan,
  type NetworkState,
  type Transfer,
  type TxResult,
  type TxStatus,
} from './keymaster/types.js';
export {
  accountKey,
  decideTopUps,
  mergeAccounts,
  UNFUNDED_REASONS,
} from './keymaster/decide/decide.js';
export {
  pendingIncoming,
  sweepBalances,
  sweepChain,
  type SweepOptions,
  type SweepTarget,
} from './keymaster/sweep/balances.js';
export {
  DEFAULT_PRIORITY_FEE,
  maxFeePerTransfer,
  quoteFees,
  TRANSFER_GAS,
} from './keymaster/send/gas.js';
export { sendTopUps } from './keymaster/send/send.js';
export { type SendOptions } from './keymaster/send/options.js';
export { runKeymaster } from './keymaster/run/run.js';
export { type RunKeymasterOptions } from './keymaster/run/options.js';
export { rpcUrlsFromEnv } from './keymaster/rpc/url.js';
export {
  balanceTable,
  bankTable,
  decisionTable,
  renderRunConsole,
  renderRunMarkdown,
  sentTable,
} from './keymaster/run/render.js';
export { formatAmount, unitsOf, type UnitsByNetwork } from './config/amounts.js';
export { KeymasterMetrics } from './keymaster/service/metrics.js';
export {
  healthOf,
  serveKeymaster,
  STALE_INTERVALS,
  type HealthReport,
  type KeymasterService,
  type NetworkHealth,
  type ServeOptions,
} from './keymaster/service/service.js';
export { redactUrl, RpcTransportError, type FetchLike } from './keymaster/rpc/rpc.js';
export { agentConfigFor, parseAgent, type AgentConfigRequest } from './agents/config.js';
export { agentVariables, networkVar, type AgentVariables } from './agents/variables.js';
export { helmValuesFor, type HelmValues } from './agents/helm.js';
export {
  AGENT_CONFIG_FORMATS,
  agentConfigJson,
  parseFormat,
  renderAgentConfig,
  renderEnv,
  renderHelm,
  type AgentConfigFormat,
} from './agents/render.js';
export {
  attestationConfig,
  type AttestationConfig,
  type MissingAttestationKey,
} from './agents/attestations.js';
export {
  type KeyRef,
  type TransactionSigner,
  type SecretVariable,
  type HomeAgentConfig,
  type AgentConfig,
} from './agents/types.js';
export { keymasterJob, checkPassed, addressResolver, bankSigner } from './jobs/keymaster.js';
