import type { AwsClients } from '../aws/clients.js';
import { mapLimited } from '../pool.js';
import { s3StateObjects, type StateObjects } from '../aws/state-objects.js';
import { unitsOf } from '../config/amounts.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage, OperationError } from '../errors.js';
import { stateBucketName } from '../inventory/keymaster-state.js';
import { parseRecord, recordKey, type LedgerRecord } from '../keymaster/state/ledger.js';
import { chainTransfer, recordDifferences } from '../keymaster/state/ledger-chain.js';
import {
  renderLedgerConsole,
  renderLedgerCsv,
  ledgerJson,
  type LedgerProblem,
  type LedgerReportData,
} from '../keymaster/state/ledger-render.js';
import {
  inWindow,
  parseInstant,
  summarizeLedger,
  type LedgerGrouping,
} from '../keymaster/state/ledger-totals.js';
import { rpcUrlsFromEnv } from '../keymaster/rpc/url.js';

/**
 * `nomad-ops keymaster ledger`: reads every record of the environment's ledger (with the
 * Keymaster or plan role), totals them per group, and with `verify` checks each against its
 * chain's transaction and receipt.
 */

export interface LedgerJobOptions {
  since?: string;
  until?: string;
  by: LedgerGrouping;
  verify: boolean;
  now?: number;
  objects?: StateObjects;
}

export async function readLedger(
  objects: StateObjects,
): Promise<{ records: LedgerRecord[]; problems: LedgerProblem[] }> {
  const keys = await objects.list('ledger/records/');
  const problems: LedgerProblem[] = [];
  const records: LedgerRecord[] = [];
  const read = await mapLimited(keys, 16, async (key) => ({ key, object: await objects.get(key) }));
  for (const { key, object } of read) {
    const parsed = object ? parseRecord(object.body) : 'gone while read';
    if (typeof parsed === 'string') {
      problems.push({ key, problems: [`unreadable record: ${parsed}`] });
    } else if (recordKey(parsed.chainId, parsed.txHash) !== key) {
      problems.push({
        key,
        txHash: parsed.txHash,
        problems: ['its key names another transaction'],
      });
    } else {
      records.push(parsed);
    }
  }
  return { records, problems };
}

export async function ledgerJob(
  env: ResolvedEnvironment,
  clients: Pick<AwsClients, 's3'>,
  vars: Record<string, string | undefined>,
  options: LedgerJobOptions,
): Promise<{
  data: LedgerReportData;
  console(): string;
  csv(): string;
  json(): string;
  ok: boolean;
}> {
  const now = options.now ?? Date.now();
  const since = options.since ? parseInstant(options.since, '--since', now) : undefined;
  const until = options.until ? parseInstant(options.until, '--until', now) : undefined;
  const bucket = stateBucketName(env);
  const objects = options.objects ?? s3StateObjects(clients.s3, bucket);
  let read;
  try {
    read = await readLedger(objects);
  } catch (error) {
    throw new OperationError(
      `the ledger in s3://${bucket} could not be read (${errorMessage(error)}); it is created by nomad-ops bucket apply --env ${env.name}, and read with the Keymaster or plan role`,
    );
  }
  const records = inWindow(read.records, since, until);
  const problems = [...read.problems];
  let verified: number | undefined;
  if (options.verify) {
    const urls = rpcUrlsFromEnv(env, vars);
    verified = 0;
    await mapLimited(records, 8, async (record) => {
      const network = env.networks.find((n) => n.chainId === record.chainId);
      const url = network ? urls[network.name] : undefined;
      const key = recordKey(record.chainId, record.txHash);
      if (!url) {
        problems.push({
          key,
          txHash: record.txHash,
          problems: [
            `not checked: no RPC URL for chain ${record.chainId} (set ${network?.rpcUrlEnv ?? 'its network in the environment file'})`,
          ],
        });
        return;
      }
      try {
        const chain = await chainTransfer(url, record.txHash, {
          timeoutMs: env.keymaster.rpcTimeoutSeconds * 1000,
        });
        const differences = recordDifferences(record, chain);
        if (differences.length > 0)
          problems.push({ key, txHash: record.txHash, problems: differences });
        else verified!++;
      } catch (error) {
        problems.push({
          key,
          txHash: record.txHash,
          problems: [`not checked: ${errorMessage(error)}`],
        });
      }
    });
  }
  const data: LedgerReportData = {
    environment: env.name,
    bucket,
    ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
    ...(until !== undefined ? { until: new Date(until).toISOString() } : {}),
    records: records.length,
    summary: summarizeLedger(records, options.by),
    ...(verified !== undefined ? { verified } : {}),
    problems: problems.sort((a, b) => a.key.localeCompare(b.key)),
  };
  const units = unitsOf(env);
  return {
    data,
    ok: data.problems.length === 0,
    console: () => renderLedgerConsole(data, units),
    csv: () => renderLedgerCsv(data, units),
    json: () => ledgerJson(data, units),
  };
}
