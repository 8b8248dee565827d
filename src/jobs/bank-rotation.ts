import type { AbstractSigner } from 'ethers';
import type { AwsClients } from '../aws/clients.js';
import { moveBankAlias } from '../aws/bank-alias.js';
import {
  kmsFundingRecord,
  recordFromTags,
  type FundingRecord,
  type FundingRecordStore,
} from '../aws/funding-record.js';
import { createKmsKeyStore } from '../aws/kms.js';
import type { KmsKeyStore } from '../aws/kms-types.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage, OperationError } from '../errors.js';
import { stagedBankTags } from '../inventory/rotation-tags.js';
import type { KeySpec } from '../inventory/types.js';
import { runBankRotation, type BankRotationReport } from '../keymaster/bank-rotation/run.js';
import { UntrustedKeyError } from '../keymaster/run/key-trust.js';
import type { RunKeymasterOptions } from '../keymaster/run/options.js';
import type { KeymasterFailure, KeymasterLogger } from '../keymaster/types.js';
import { keyAccessProblem } from '../plan/keys/trust.js';

/**
 * The Keymaster's part of a switched bank rotation (issue 26 item 2). The approved apply names
 * the staged bank in the funding record it writes on the bank (`nextBank`) and writes the same
 * record on the staged key. A paying run that finds a `nextBank` other than the bank's own key
 * checks that key (the toolkit's, staged for this bank alias and environment, giving nothing
 * away, carrying the same approved record), then sweeps the old bank to it and moves the alias
 * (keymaster/bank-rotation-run.ts). Nothing here trusts the file: only the record the apply
 * role wrote, which reviewers approved.
 */

export interface NextBank {
  keyId: string;
  address: string;
  record: FundingRecord | undefined;
}

/** The staged bank the record names, checked; throws `UntrustedKeyError` saying what is wrong. */
export async function checkedNextBank(
  kms: Pick<KmsKeyStore, 'readPublicKey' | 'readKeyAccess'>,
  env: ResolvedEnvironment,
  bank: Pick<KeySpec, 'alias' | 'environment'>,
  keyId: string,
): Promise<NextBank> {
  const key = await kms.readPublicKey(keyId);
  if (key.state === 'missing') {
    throw new UntrustedKeyError(
      `the approved record names ${keyId} as the next bank, and it does not exist: run keys apply for ${env.name} again`,
    );
  }
  if (key.state === 'refused') {
    throw new UntrustedKeyError(`the next bank ${keyId} is refused by KMS (${key.error})`);
  }
  if (!key.address) throw new UntrustedKeyError(`the next bank ${keyId} is not a secp256k1 key`);
  const access = await kms.readKeyAccess(key.keyId);
  const wanted = stagedBankTags(env.name);
  const wrong = Object.entries(wanted).filter(([k, v]) => access.tags[k] !== v);
  const problems = [
    ...(wrong.length > 0
      ? [
          `it is not a key staged for ${bank.alias} (tags ${wrong
            .map(([k, v]) => `${k}=${access.tags[k] ?? '(none)'}, not ${v}`)
            .join('; ')})`,
        ]
      : []),
    keyAccessProblem(bank, key.keyId, env.aws.accountId, access),
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new UntrustedKeyError(
      `the next bank ${key.keyId}: ${problems.join('; ')}: no money is moved to it`,
    );
  }
  return { keyId: key.keyId, address: key.address, record: recordFromTags(access.tags) };
}

export interface RotateBankInput {
  env: ResolvedEnvironment;
  clients: Pick<AwsClients, 'kms'>;
  kms: Pick<KmsKeyStore, 'readPublicKey' | 'readKeyAccess'>;
  bank: KeySpec;
  /** The record read from the bank (its `nextBank` names the staged key). */
  record: FundingRecord & { nextBank: string };
  payer: AbstractSigner;
  rpcUrls: Record<string, string | undefined>;
  beforeBroadcast?: RunKeymasterOptions['beforeBroadcast'];
  logger?: KeymasterLogger | undefined;
  pollIntervalMs?: number;
  /** Replaces KMS UpdateAlias (tests kill the run there). */
  moveAlias?: (alias: string, keyId: string) => Promise<void>;
}

/** The rotation's report, or the failure that kept it from starting (nothing moved). */
export async function rotateBank(
  input: RotateBankInput,
): Promise<{ report?: BankRotationReport; failures: KeymasterFailure[] }> {
  const { env, bank, record } = input;
  let next: NextBank;
  try {
    next = await checkedNextBank(input.kms, env, bank, record.nextBank);
    if (next.record?.sha256 !== record.sha256) {
      throw new OperationError(
        `the next bank ${next.keyId} does not carry the approved funding record (${record.sha256.slice(0, 12)}…): nothing is moved, since the Keymaster could not pay from it after the switch; run keys apply for ${env.name} to write it`,
      );
    }
  } catch (error) {
    const message = `bank rotation: ${errorMessage(error)}`;
    input.logger?.warn(message);
    return { failures: [{ kind: 'bank-rotation', message }] };
  }
  const move =
    input.moveAlias ?? ((alias, keyId) => moveBankAlias(input.clients.kms, alias, keyId));
  const report = await runBankRotation({
    env,
    rpcUrls: input.rpcUrls,
    oldBank: input.payer,
    oldBankAddress: await input.payer.getAddress(),
    newBank: { keyId: next.keyId, address: next.address },
    dryRun: false,
    moveAlias: () => move(bank.alias, next.keyId),
    ...(input.beforeBroadcast ? { beforeBroadcast: input.beforeBroadcast } : {}),
    ...(input.logger ? { logger: input.logger } : {}),
    ...(input.pollIntervalMs !== undefined ? { pollIntervalMs: input.pollIntervalMs } : {}),
  });
  return { report, failures: report.failures };
}

/** Whether the file declares the bank's rotation `switched` (KMS banks: staging, production). */
export function bankSwitched(env: ResolvedEnvironment): boolean {
  return (
    env.keyStore === 'kms' &&
    env.rotations.some((r) => r.target === 'bank' && r.state === 'switched')
  );
}

/**
 * The key staged for the bank alias (no alias yet, the staged tags); undefined when none is (the
 * Keymaster already moved the alias onto it, or it was never staged). Two are refused: which
 * one the money should go to is for a person to say.
 */
export async function findStagedBank(
  kms: Pick<KmsKeyStore, 'findUnaliasedKeys'>,
  env: ResolvedEnvironment,
): Promise<string | undefined> {
  const wanted = Object.entries(stagedBankTags(env.name));
  const found = await kms.findUnaliasedKeys((tags) => wanted.every(([k, v]) => tags[k] === v));
  if (found.keys.length > 1) {
    throw new OperationError(
      `${found.keys.length} keys are staged for the ${env.name} bank (${found.keys.map((k) => k.keyId).join(', ')}): keep one, schedule the others' deletion, and apply again`,
    );
  }
  return found.keys[0]?.keyId;
}

/**
 * The funding record a `keys apply` writes. With the bank's rotation `switched` and a staged
 * bank in KMS, the record names it (`nextBank`) and is written on the staged key first, so the
 * new bank carries the approved record before the Keymaster moves the alias onto it.
 */
export async function writeFundingRecord(input: {
  env: ResolvedEnvironment;
  clients: Pick<AwsClients, 'kms'>;
  record: FundingRecord;
  write: (record: FundingRecord) => Promise<void>;
}): Promise<void> {
  const { env, clients } = input;
  if (!bankSwitched(env)) return input.write(input.record);
  const nextBank = await findStagedBank(
    createKmsKeyStore(clients.kms, { region: env.aws.region }),
    env,
  );
  if (!nextBank) return input.write(input.record);
  const record = { ...input.record, nextBank };
  await kmsFundingRecord(clients.kms, nextBank).write(record);
  await input.write(record);
}

/** The bank's record store, writing through `writeFundingRecord` (the staged bank first). */
export function rotatingFundingRecord(
  env: ResolvedEnvironment,
  clients: Pick<AwsClients, 'kms'>,
  store: FundingRecordStore,
): FundingRecordStore {
  return {
    read: () => store.read(),
    write: (record) => writeFundingRecord({ env, clients, record, write: (r) => store.write(r) }),
  };
}
