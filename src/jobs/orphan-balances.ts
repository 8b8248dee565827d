import type { ResolvedEnvironment } from '../config/model.js';
import { errorMessage } from '../errors.js';
import { quantity, rpcBatch, type FetchLike } from '../keymaster/rpc/rpc.js';
import { rpcUrlsFromEnv } from '../keymaster/rpc/url.js';
import type { OrphanBalance, OrphanBalanceReader } from '../plan/keys/orphans.js';
import { registerRpcUrl } from '../redact.js';

/** Gas of a plain transfer to an account without code: what one drain transfer costs at least. */
export const TRANSFER_GAS = 21_000n;

/** The variable a network's RPC URL is conventionally in, for a network the file no longer has. */
export const rpcUrlEnvOf = (network: string) =>
  `${network.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_RPC_URL`;

export interface OrphanBalanceOptions {
  variables?: Record<string, string | undefined>;
  timeoutMs?: number;
  fetch?: FetchLike;
}

/**
 * The RPC URL of a network: the file's `rpcUrlEnv` for a network it still has, else
 * `{NETWORK}_RPC_URL` when the runner still sets it; registered for redaction once read.
 */
export function rpcUrlOf(
  env: ResolvedEnvironment,
  network: string,
  variables: Record<string, string | undefined>,
): { url?: string; why: string } {
  const known = env.networks.find((n) => n.name === network);
  const variable = known?.rpcUrlEnv ?? rpcUrlEnvOf(network);
  const url = known
    ? rpcUrlsFromEnv(env, variables)[network]
    : variables[variable]?.trim() || undefined;
  registerRpcUrl(url);
  if (url) return { url, why: '' };
  return {
    why: known ? `${variable} is not set` : `network not in the file (set ${variable} to read it)`,
  };
}

/**
 * Reads an orphaned wallet's balance on its network, with the fee of one plain transfer there
 * (21,000 gas at the node's gas price), in one JSON-RPC batch. The URL is the file's
 * `rpcUrlEnv` for a network it still has, else `{NETWORK}_RPC_URL` when the runner still sets it;
 * otherwise the balance is "unknown: network not in the file". A failed read is unknown, never 0.
 */
export function orphanBalanceReader(
  env: ResolvedEnvironment,
  options: OrphanBalanceOptions = {},
): OrphanBalanceReader {
  const variables = options.variables ?? process.env;
  return async (network, address): Promise<OrphanBalance> => {
    const known = env.networks.find((n) => n.name === network);
    const { url, why } = rpcUrlOf(env, network, variables);
    if (!url) return { state: 'unknown', why: `unknown: ${why}` };
    try {
      const [balance, gasPrice] = await rpcBatch(
        url,
        [
          { method: 'eth_getBalance', params: [address, 'latest'] },
          { method: 'eth_gasPrice', params: [] },
        ],
        {
          timeoutMs: options.timeoutMs ?? 15_000,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        },
      );
      if (!balance?.ok || !gasPrice?.ok) {
        const failed = !balance?.ok ? balance : gasPrice;
        return {
          state: 'unknown',
          why: `unknown: ${network} RPC: ${failed?.ok === false ? failed.message : 'no answer'}`,
        };
      }
      return {
        state: 'read',
        wei: quantity(balance.result, 'eth_getBalance'),
        feeWei: TRANSFER_GAS * quantity(gasPrice.result, 'eth_gasPrice'),
        ...(known ? { symbol: known.nativeToken.symbol } : {}),
      };
    } catch (error) {
      return { state: 'unknown', why: `unknown: ${network} RPC: ${errorMessage(error)}` };
    }
  };
}
