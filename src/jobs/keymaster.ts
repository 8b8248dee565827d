import type { AbstractSigner } from 'ethers';
import type { AwsClients } from '../aws/clients.js';
import { createKmsKeyStore } from '../aws/kms.js';
import { createSecretKeyStore } from '../aws/secrets.js';
import { unitsOf } from '../config/amounts.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage, InputError, OperationError } from '../errors.js';
import { createSigner } from '../signer/factory.js';
import { fundingFor } from '../inventory/funding.js';
import { fundingSettingsHash, fundingSettingsOf } from '../inventory/funding-settings.js';
import { fundingApproved } from '../plan/funding/funding.js';
import { keysFor } from '../inventory/keys.js';
import type { KeySpec } from '../inventory/types.js';
import { ApprovalMetrics } from '../keymaster/service/approval-metrics.js';
import { KeymasterMetrics } from '../keymaster/service/metrics.js';
import { renderRunConsole, renderRunMarkdown } from '../keymaster/run/render.js';
import { rpcUrlsFromEnv } from '../keymaster/rpc/url.js';
import { trustedAddresses, trustedKey } from '../keymaster/run/key-trust.js';
import { runKeymaster } from '../keymaster/run/run.js';
import type { KeymasterLogger, KeymasterRun } from '../keymaster/types.js';
import { toJsonValue } from '../inventory/json.js';
import type { FundingRecord } from '../aws/funding-record.js';
import { withBankRotation } from '../keymaster/bank-rotation/run.js';
import { withRotationConsole, withRotationMarkdown } from '../keymaster/bank-rotation/render.js';
import { rotateBank, type RotateBankInput } from './bank-rotation.js';
import { fundingRecordFor } from './funding.js';
import { keymasterStateFor, payUnderLease, type KeymasterState } from './keymaster-state.js';

/**
 * The address of an agent key. KMS: from its public key. Development: from the `nomad:address`
 * tag on its secret, so the Keymaster never needs to read the agents' private keys.
 */
export function addressResolver(
  env: ResolvedEnvironment,
  clients: AwsClients,
  keys: KeySpec[],
): (alias: string) => Promise<string> {
  const byAlias = new Map(keys.map((k) => [k.alias, k]));
  const kms = createKmsKeyStore(clients.kms, { region: env.aws.region });
  const secrets = createSecretKeyStore(clients.secrets, { region: env.aws.region });
  return async (alias) => {
    const spec = byAlias.get(alias);
    if (!spec) throw new InputError(`${alias} is not a key of the ${env.name} environment`);
    if (!spec.secretName) return kms.publicAddress(alias);
    const state = await secrets.describeKey(spec.secretName);
    if (!state.found) {
      throw new OperationError(
        `secret ${spec.secretName} does not exist; run nomad-ops keys apply --env ${env.name}`,
      );
    }
    if (!state.usable) throw new OperationError(state.problem);
    return state.address;
  };
}

/** The bank's signer: its KMS key, or in development its hex key from Secrets Manager. */
export function bankSigner(
  env: ResolvedEnvironment,
  clients: AwsClients,
  keys: KeySpec[],
  /** The bank's KMS key id as checked (`trustedKey`): signs with that key, not the alias. */
  keyId?: string,
): Promise<AbstractSigner> {
  const bank = keys.find((k) => k.purpose === 'bank');
  if (!bank) throw new InputError(`the ${env.name} inventory has no bank key`);
  return createSigner(
    bank.secretName
      ? { kind: 'secret', secretId: bank.secretName }
      : { kind: 'kms', keyId: keyId ?? bank.alias },
    clients,
  );
}

export interface KeymasterJob {
  /** One run: sweep, decide, and unless dry, send and sweep again. */
  runOnce(options: { dryRun: boolean; signal?: AbortSignal }): Promise<KeymasterRun>;
  metrics: KeymasterMetrics;
  /** `nomad_keymaster_settings_approved`, on the same registry (set by every run that sends). */
  approval: ApprovalMetrics;
  networks: string[];
  console(run: KeymasterRun): string;
  markdown(run: KeymasterRun): string;
  json(run: KeymasterRun): string;
}

/** Binds the Keymaster to an environment, its AWS clients and the RPC URLs in `vars`. */
export function keymasterJob(
  env: ResolvedEnvironment,
  clients: AwsClients,
  vars: Record<string, string | undefined>,
  logger?: KeymasterLogger,
  options: {
    state?: Partial<KeymasterState>;
    /** Test seams of a bank rotation (the alias move, receipt polling). */
    bankRotation?: Pick<RotateBankInput, 'moveAlias' | 'pollIntervalMs'>;
  } = {},
): KeymasterJob {
  const keys = keysFor(env);
  const rows = fundingFor(env, keys);
  const resolveAddress = addressResolver(env, clients, keys);
  const bank = keys.find((k) => k.purpose === 'bank')!;
  const bankAlias = bank.alias;
  // KMS keys are checked before the bank signs and before a wallet is paid (src/keymaster/run/key-trust.ts).
  const kms = bank.secretName
    ? undefined
    : createKmsKeyStore(clients.kms, { region: env.aws.region });
  const resolveWallet = trustedAddresses(kms, env.aws.accountId, keys, resolveAddress);
  const units = unitsOf(env);
  const settingsHash = fundingSettingsHash(fundingSettingsOf(env, keys));
  const record = fundingRecordFor(env, clients, keys);
  const state = keymasterStateFor(env, clients.s3, vars, settingsHash, options.state);
  let signer: { keyId: string | undefined; signer: Promise<AbstractSigner> } | undefined;
  const metrics = new KeymasterMetrics(
    env.name,
    units,
    Object.fromEntries(
      Object.entries(env.keymaster.networks).map(([network, n]) => [network, n.bank.alertBelow]),
    ),
  );
  const approvalMetrics = new ApprovalMetrics(env.name, metrics.registry);
  return {
    metrics,
    approval: approvalMetrics,
    networks: env.networks.map((n) => n.name),
    async runOnce({ dryRun, signal }) {
      const common = {
        env,
        rows,
        resolveAddress: resolveWallet,
        rpcUrls: rpcUrlsFromEnv(env, vars),
        dryRun,
        // The run's times (balances snapshots measure burn between them) and the lease's: one clock.
        clock: state.clock,
        ...(signal ? { signal } : {}),
        ...(logger ? { logger } : {}),
      };
      if (dryRun) return runKeymaster({ ...common, bankAddress: await resolveAddress(bankAlias) });
      // Only settings an approved apply recorded on the bank move money; others are reported.
      let approvedCommit: string | undefined;
      let approvedRecord: FundingRecord | undefined;
      const approval = await record.read().then(
        (state) => {
          if (state.bank !== 'missing' && state.record?.sha256 === settingsHash) {
            approvedCommit = state.record.commit;
            approvedRecord = state.record;
          }
          const verdict = fundingApproved(settingsHash, state, env.name);
          approvalMetrics.observeApproved(verdict.approved);
          return verdict;
        },
        // Unread is not unapproved: the gauge keeps its value (the run fails and says why).
        (error: unknown) => ({
          approved: false,
          message: `the approved funding settings could not be read from the bank (${errorMessage(error)}): nothing sent`,
        }),
      );
      if (!approval.approved) {
        logger?.warn(approval.message);
        const run = await runKeymaster({
          ...common,
          dryRun: true,
          bankAddress: await resolveAddress(bankAlias),
        });
        return withholdPayments(run, approval.message);
      }
      // The bank's key is checked on every run (an alias can be moved); nothing is sent from a key
      // the toolkit did not make for it or that someone else may use.
      let keyId: string | undefined;
      if (kms) {
        try {
          keyId = (await trustedKey(kms, env.aws.accountId, bank)).keyId;
        } catch (error) {
          const run = await runKeymaster({
            ...common,
            dryRun: true,
            bankAddress: await resolveAddress(bankAlias),
          });
          const message = `the bank signs nothing: ${errorMessage(error)}`;
          logger?.warn(message);
          return withholdPayments(run, message, 'untrusted-key');
        }
      }
      // Built once per bank key and reused by serve; a failed build (a throttled secret read) is
      // retried next run.
      if (!signer || signer.keyId !== keyId) {
        const built = bankSigner(env, clients, keys, keyId).catch((error: unknown) => {
          signer = undefined;
          throw error;
        });
        signer = { keyId, signer: built };
      }
      const payer = await signer.signer;
      // A switched bank rotation the approved apply recorded: after the top-ups, which the old
      // bank still pays, its money moves to the staged bank and the alias follows (bank-rotation.ts).
      const nextBank = approvedRecord?.nextBank;
      const rotating =
        kms && keyId && approvedRecord && nextBank && nextBank !== keyId.toLowerCase()
          ? { kms, record: { ...approvedRecord, nextBank } }
          : undefined;
      // One payer per bank, and every payment in the ledger (keymaster-state.ts).
      return payUnderLease({
        env,
        // Ledger records name the commit the bank's record approved (the code that ran).
        state: approvedCommit
          ? { ...state, context: { ...state.context, commit: approvedCommit } }
          : state,
        rpcUrls: common.rpcUrls,
        ...(logger ? { logger } : {}),
        pay: async (beforeBroadcast) => {
          const run = await runKeymaster({ ...common, bankSigner: payer, beforeBroadcast });
          if (!rotating) return run;
          const rotation = await rotateBank({
            env,
            clients,
            kms: rotating.kms,
            bank,
            record: rotating.record,
            payer,
            rpcUrls: common.rpcUrls,
            beforeBroadcast,
            ...(logger ? { logger } : {}),
            ...options.bankRotation,
          });
          return withBankRotation(run, rotation);
        },
        watch: async () =>
          runKeymaster({ ...common, dryRun: true, bankAddress: await payer.getAddress() }),
      });
    },
    console: (run) => withRotationConsole(run, units, renderRunConsole(run, units)),
    markdown: (run) => withRotationMarkdown(run, units, renderRunMarkdown(run, units)),
    json: (run) => JSON.stringify(toJsonValue(run), null, 2),
  };
}

/** A run that read and decided but sent nothing because its funding settings are not approved. */
function withholdPayments(
  run: KeymasterRun,
  message: string,
  kind: 'unapproved' | 'untrusted-key' = 'unapproved',
): KeymasterRun {
  return { ...run, failures: [{ kind, message }, ...run.failures], ok: false };
}

/**
 * The verdict of a scheduled check: a top-up run passes when `run.ok` (nothing left unfunded,
 * no bank below its alert level); a check (dry run) also fails while any wallet is below lower.
 */
export function checkPassed(run: KeymasterRun): boolean {
  return run.ok && !(run.dryRun && run.decisions.some((d) => d.reason === 'funded'));
}
