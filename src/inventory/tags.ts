import type { EnvironmentName } from '../config/names.js';

/** The tag every resource the toolkit creates carries; nothing without it is changed or deleted. */
export const MANAGED_BY_TAG = 'managed-by';
export const MANAGED_BY_VALUE = 'nomad-agent-ops';

/**
 * Tag keys. Prefixed `nomad:` so they never collide with an organisation's own `environment`
 * or `Name` tags. A key left without its alias (CreateKey succeeded, CreateAlias did not) is
 * found again by `nomad:alias`.
 */
export const TAG_KEYS = {
  managedBy: MANAGED_BY_TAG,
  environment: 'nomad:environment',
  network: 'nomad:network',
  keyName: 'nomad:key-name',
  role: 'nomad:role',
  purpose: 'nomad:purpose',
  /** The alias the key is meant for (`alias/{env}-{network}-{keyName}`). */
  alias: 'nomad:alias',
  /**
   * Development only: the Ethereum address of the hex key in a secret. Written by whoever stores
   * the key, so that readers without `GetSecretValue` (plan, Keymaster) know the address.
   */
  address: 'nomad:address',
  /**
   * KMS keys: the apply run (a random id per run) that created the key. An ambiguous CreateKey
   * (answer lost) is resolved by finding the key with this run's id and the alias; it is not part
   * of what marks a key as ours for an alias, so keys of every run are found.
   */
  createdByRun: 'nomad:created-by-run',
  /**
   * KMS keys: whether the key ever held its alias (DESIGN §3, issue 28). `false` from CreateKey;
   * `true` written right after the toolkit's CreateAlias onto the key (created or adopted). A key
   * that lost its alias to a racing run keeps `false`. Only a `false` key is retired
   * automatically; a key with `true`, or without the tag (made by an older version), that no alias
   * points at is a conflict.
   */
  aliased: 'nomad:aliased',
  /**
   * Key rotation (issue 26, docs/runbooks/rotating-an-agent-key.md). `staged`: a key made for
   * `nomad:alias` by a declared rotation, beside the key that holds the alias; never an extra
   * key, whatever `nomad:aliased` says. `retired`: the key a switch took the alias from (it
   * carries `nomad:retired-from` and `nomad:retired-at` instead of `nomad:alias`).
   */
  rotation: 'nomad:rotation',
  /** The alias a retired key held (its `nomad:alias` is removed when the alias moves). */
  retiredFrom: 'nomad:retired-from',
  /** ISO 8601 time the switch retired the key. */
  retiredAt: 'nomad:retired-at',
  /**
   * Development: the address of the staged hex key, the secret's AWSPENDING version (the
   * secret's `nomad:address` stays the current key's until the switch).
   */
  stagedAddress: 'nomad:staged-address',
  /**
   * On the bank (its KMS key, or its secret in development): the sha256 of the funding settings
   * the last successful apply recorded, the commit it applied and when (ISO 8601). Only the apply
   * role may write them; the Keymaster reads them, runs from that commit, and pays nothing while
   * the file's settings differ.
   */
  fundingSha256: 'nomad:funding-sha256',
  fundingCommit: 'nomad:funding-commit',
  fundingRecordedAt: 'nomad:funding-recorded-at',
  /**
   * Part of the funding record during a bank rotation (issue 26 item 2): the key id of the staged
   * bank the approved apply switched to. The Keymaster moves the old bank's money to that key
   * only, then moves the bank alias onto it; on every other record the tag is written empty.
   */
  fundingNextBank: 'nomad:funding-next-bank',
} as const;

/** The values of `nomad:rotation`. */
export const ROTATION_TAG = { staged: 'staged', retired: 'retired' } as const;

/** Every tag of the funding record: the apply role may write exactly these on its bank. */
export const FUNDING_RECORD_TAG_KEYS = [
  TAG_KEYS.fundingSha256,
  TAG_KEYS.fundingCommit,
  TAG_KEYS.fundingRecordedAt,
  TAG_KEYS.fundingNextBank,
];

/** Tags for any resource of an environment: `managed-by` plus the environment. */
export function baseTags(env: EnvironmentName): Record<string, string> {
  return { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [TAG_KEYS.environment]: env };
}

/**
 * The `nomad:environment` value of account-wide resources (the `kms-admin` user and policy, the
 * GitHub OIDC provider). Environments may share an AWS account: with their own environment tag,
 * each environment's apply would re-tag them and the other's plan would never settle. No
 * environment is called this, so no environment's prune ever takes them for its own leftovers.
 */
export const SHARED_ENVIRONMENT = 'shared';

/** Tags for account-wide resources, identical whichever environment wants them. */
export function sharedTags(): Record<string, string> {
  return { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [TAG_KEYS.environment]: SHARED_ENVIRONMENT };
}
