import { Wallet } from 'ethers';
import { inject, vi } from 'vitest';
import { FUNDED_PRIVATE_KEYS, startChains, type Chain } from '../harness/chains.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';

/**
 * The chains for the Keymaster's tests: the shared ones of the global setup when it provides them,
 * else chains of our own. Keymaster tests fund from FUNDED_PRIVATE_KEYS[10..19] only, and fresh
 * random wallets are the agents and banks, so other test files on the same chains are unaffected.
 */
export async function keymasterChains(): Promise<{ chains: Chain[]; stop(): Promise<void> }> {
  let provided: Chain[] | undefined;
  try {
    provided = (inject as (key: string) => unknown)('chains') as Chain[] | undefined;
  } catch {
    provided = undefined;
  }
  if (provided && provided.length >= 2) return { chains: provided, stop: async () => {} };
  return startChains([31337, 31338]);
}

/** Funding keys reserved for the Keymaster's test files (one per file, for nonces). */
export const KEYMASTER_FUNDER_KEYS = FUNDED_PRIVATE_KEYS.slice(10, 20);

export async function balanceOf(url: string, address: string): Promise<bigint> {
  return BigInt(
    (await rpcCall(
      url,
      { method: 'eth_getBalance', params: [address, 'latest'] },
      { timeoutMs: 5000 },
    )) as string,
  );
}

/**
 * Sends `amounts` from a funded key to each address, all with explicit nonces, then waits until
 * mined. Used to set up banks and agents.
 */
export async function fund(
  url: string,
  funderKey: string,
  chainId: number,
  transfers: Array<{ to: string; wei: bigint }>,
): Promise<void> {
  const funder = new Wallet(funderKey);
  let nonce = Number(
    BigInt(
      (await rpcCall(
        url,
        { method: 'eth_getTransactionCount', params: [funder.address, 'pending'] },
        { timeoutMs: 5000 },
      )) as string,
    ),
  );
  const hashes: string[] = [];
  for (const { to, wei } of transfers) {
    if (wei === 0n) continue;
    const raw = await funder.signTransaction({
      to,
      value: wei,
      nonce: nonce++,
      chainId,
      gasLimit: 21_000n,
      type: 2,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    hashes.push(
      (await rpcCall(
        url,
        { method: 'eth_sendRawTransaction', params: [raw] },
        { timeoutMs: 5000 },
      )) as string,
    );
  }
  for (const hash of hashes) {
    await vi.waitFor(
      async () => {
        const receipt = await rpcCall(
          url,
          { method: 'eth_getTransactionReceipt', params: [hash] },
          { timeoutMs: 5000 },
        );
        if (!receipt) throw new Error(`funding transaction ${hash} not mined`);
      },
      { timeout: 10_000, interval: 25 },
    );
  }
}
