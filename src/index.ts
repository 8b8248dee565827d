/**
 * The library an operator's script uses: load an environment, derive its inventory, sign with
 * its KMS keys, plan and apply its keys, run the Keymaster.
 *
 *   import { KmsSigner, loadEnvironmentFile, inventoryFor } from 'nomad-agent-ops';
 */
export * from './config/index.js';
export * from './inventory/index.js';
export * from './eth/index.js';
export * from './signer/index.js';
export { createAwsClients, type AwsClients, type AwsClientOptions } from './aws/clients.js';
export { assertAccount, callerAccount, AccountMismatchError } from './aws/sts.js';
export {
  runKeys,
  planKeys,
  prepareKeysIn,
  keyRows,
  keyStoreFor,
  type KeysResult,
  type KeyRow,
  type KeyChange,
} from './plan/keys.js';
export { keysJson, renderKeysConsole, renderKeysMarkdown } from './report/keys.js';
export type { Change, ChangeAction } from './plan/change.js';
export { NomadOpsError, InputError, OperationError, errorMessage, exitCodeOf } from './errors.js';
export * from './keymaster/index.js';
export * from './agents/index.js';
export { keymasterJob, checkPassed, addressResolver, bankSigner } from './jobs/keymaster.js';
