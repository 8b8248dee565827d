import { expect } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { s3StateObjects, type StateObjects } from '../../src/aws/state-objects.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketJob } from '../../src/jobs/iam.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { stateBucketName } from '../../src/inventory/keymaster-state.js';
import { parseRecord, type LedgerRecord } from '../../src/keymaster/state/ledger.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { bucketSuffix, nextAccountId, requireChains } from '../harness/emulators.js';
import { fund } from './chains.js';

/**
 * A development environment of a test's own on the harness chains, for the Keymaster's lease and
 * ledger: keys applied (funding settings recorded), bank funded from `funder`, buckets applied.
 */
export interface Bench {
  cwd: string;
  env: ResolvedEnvironment;
  clients: AwsClients;
  vars: Record<string, string>;
  objects: StateObjects;
  bank: string;
}

/** `funder`: a funding key of the test file's own; undefined: the bank's balance is set (hardhat_setBalance). */
export async function bench(funder: string | undefined): Promise<Bench> {
  const account = nextAccountId();
  const { cwd, vars } = await developmentWorkspace(account);
  const env = loadEnvironment('development', cwd);
  const clients = await awsForEnvironment(env, vars);
  const applied = await keysJob(env, clients, 'apply', { commit: 'c'.repeat(40) });
  expect(applied.ok).toBe(true);
  const bank = applied.json.keys.find((k) => k.purpose === 'bank')!.address;
  for (const chain of requireChains()) {
    if (funder) await fund(chain.url, funder, chain.chainId, [{ to: bank, wei: 30n * 10n ** 18n }]);
    else await setBalance(chain.url, bank, 30n * 10n ** 18n);
  }
  // The state bucket as an operator makes it: the bucket apply (with the proofs bucket).
  const bucket = stateBucketName(env);
  expect(bucket).toBe(`nomadxyz-development-keymaster-${bucketSuffix(account)}`);
  expect((await bucketJob(env, clients, 'apply')).result.ok).toBe(true);
  return { cwd, env, clients, vars, objects: s3StateObjects(clients.s3, bucket), bank };
}

/** Sets an account's balance on a Hardhat chain (no funding key, no nonce shared with anyone). */
export async function setBalance(url: string, address: string, wei: bigint): Promise<void> {
  await rpcCall(
    url,
    { method: 'hardhat_setBalance', params: [address, `0x${wei.toString(16)}`] },
    { timeoutMs: 5000 },
  );
}

export async function records(objects: StateObjects): Promise<LedgerRecord[]> {
  const keys = await objects.list('ledger/records/');
  return Promise.all(
    keys.map(async (key) => {
      const parsed = parseRecord((await objects.get(key))!.body);
      if (typeof parsed === 'string') throw new Error(`${key}: ${parsed}`);
      return parsed;
    }),
  );
}

export async function nonceOf(url: string, address: string): Promise<number> {
  return Number(
    (await rpcCall(
      url,
      { method: 'eth_getTransactionCount', params: [address, 'latest'] },
      { timeoutMs: 5000 },
    )) as string,
  );
}
