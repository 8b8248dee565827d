export * from './types.js';
export { InventoryError } from './errors.js';
export { baseTags, MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
export * from './names.js';
export { keysFor, parseKeyName, rolesWithKeys } from './keys.js';
export {
  assertKeyGrantsExclusive,
  environmentAliasPattern,
  keyGrantsFor,
  keyGrantViolations,
  matchesStringLike,
  signerAliasPattern,
  signerSecretPattern,
  type KeyGrant,
} from './patterns.js';
export * from './policies.js';
export {
  checkRepository,
  GITHUB_OIDC_THUMBPRINTS,
  GITHUB_OIDC_URL,
  githubSubject,
  githubSubjectPrefix,
  keymasterGithubEnvironment,
  oidcProviderArn,
} from './github.js';
export { iamFor, roleDocuments, type IamOptions } from './iam.js';
export { bucketFor, PROOFS_PUBLIC_ACCESS_BLOCK } from './bucket.js';
export {
  FUNDED_ON_HOME,
  FUNDED_ON_REPLICAS,
  fundingFor,
  fundingMatrixFor,
  thresholdFor,
  type FundingMatrix,
} from './funding.js';
export {
  inventoryFor,
  inventoryJson,
  toJsonValue,
  type InventoryOptions,
  type JsonValue,
} from './inventory.js';
