import type { AwsClients } from '../aws/clients.js';
import { s3StateObjects, type StateObjects } from '../aws/state-objects.js';
import { unitsOf } from '../config/amounts.js';
import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage, OperationError } from '../errors.js';
import { stateBucketName } from '../inventory/keymaster-state.js';
import { roleBurns, walletBurns } from '../keymaster/state/burn.js';
import {
  burnJson,
  renderBurnConsole,
  type BurnReportData,
} from '../keymaster/state/burn-render.js';
import { parseInstant } from '../keymaster/state/ledger-totals.js';
import { snapshotsBetween } from './ledger-snapshot.js';

/**
 * `nomad-ops keymaster ledger --burn`: daily burn per network and role from the balances
 * snapshots of the window (default the last 7 days), read with the Keymaster or plan role.
 */

export const DEFAULT_BURN_WINDOW = '7d';

export interface BurnJobOptions {
  since?: string;
  until?: string;
  now?: number;
  objects?: StateObjects;
}

export async function burnJob(
  env: ResolvedEnvironment,
  clients: Pick<AwsClients, 's3'>,
  options: BurnJobOptions = {},
): Promise<{ data: BurnReportData; console(): string; json(): string }> {
  const now = options.now ?? Date.now();
  const since = parseInstant(options.since ?? DEFAULT_BURN_WINDOW, '--since', now);
  const until = options.until ? parseInstant(options.until, '--until', now) : now;
  const bucket = stateBucketName(env);
  const objects = options.objects ?? s3StateObjects(clients.s3, bucket);
  let snapshots;
  try {
    snapshots = await snapshotsBetween(objects, since, until + 1);
  } catch (error) {
    throw new OperationError(
      `the balances snapshots in s3://${bucket} could not be read (${errorMessage(error)}); they are read with the Keymaster or plan role`,
    );
  }
  const wallets = walletBurns(snapshots, since, until + 1);
  const data: BurnReportData = {
    environment: env.name,
    bucket,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    snapshots: snapshots.length,
    roles: roleBurns(wallets),
    wallets,
  };
  const units = unitsOf(env);
  return {
    data,
    console: () => renderBurnConsole(data, units),
    json: () => burnJson(data, units),
  };
}
