import type { AbstractSigner } from 'ethers';
import type { ResolvedEnvironment } from '../../config/model.js';
import type { FundingAccount } from '../../inventory/types.js';
import type { FetchLike } from '../rpc/rpc.js';
import type { Decision, KeymasterLogger, TxResult } from '../types.js';

export interface RunKeymasterOptions {
  env: ResolvedEnvironment;
  /** The funding matrix (`fundingFor(env, keys)`). */
  rows: FundingAccount[];
  /** Address of a key alias (from its KMS public key or its development secret). */
  resolveAddress: (alias: string) => Promise<string>;
  /** The bank's signer: one for every chain (chain ids are set per transaction), or one per network. Not needed for a dry run. */
  bankSigner?: AbstractSigner | ((network: string) => AbstractSigner) | undefined;
  /** Defaults to the signer's address; required for a dry run without a signer. */
  bankAddress?: string;
  /** RPC URL per network name (read from the variables named by `rpcUrlEnv`; see `rpcUrlsFromEnv`). */
  rpcUrls: Record<string, string | undefined>;
  /** Only these networks (default: every network with rows or Keymaster settings). */
  networks?: string[];
  dryRun?: boolean;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  logger?: KeymasterLogger;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Sweep retries per chain (default 2). */
  retries?: number;
  retryDelayMs?: number;
  /** Receipt polling interval (default 1000 ms). */
  pollIntervalMs?: number;
  /** Each network's signed top-ups before their broadcast (see SendOptions.beforeBroadcast). */
  beforeBroadcast?: (
    signed: TxResult[],
    sender: { from: string; decisions: Decision[] },
  ) => Promise<void>;
}
