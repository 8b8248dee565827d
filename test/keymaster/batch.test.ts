import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepBalances } from '../../src/keymaster/sweep/balances.js';
import type { Chain } from '../harness/chains.js';
import { fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js';

const FUNDER = KEYMASTER_FUNDER_KEYS[7]!;

describe('batches that fit the provider (Hardhat chain behind a limiting proxy)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  const proxies: RpcProxy[] = [];
  const wallets = Array.from({ length: 40 }, () => Wallet.createRandom().address);
  const bank = Wallet.createRandom().address;
  // 8 head calls (chain id, block, fees, bank balance and nonces) and one balance per wallet.
  const calls = 8 + wallets.length;

  beforeAll(async () => {
    const running = await keymasterChains();
    chain = running.chains[0]!;
    stop = running.stop;
    await fund(
      chain.url,
      FUNDER,
      chain.chainId,
      wallets.map((to, i) => ({ to, wei: BigInt(i + 1) * 7n })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await stop();
  });

  async function sweepThrough(configure: (proxy: RpcProxy) => void, maxBatchSize?: number) {
    const proxy = await startRpcProxy(chain.url);
    proxies.push(proxy);
    configure(proxy);
    const [sweep] = await sweepBalances(
      [{ network: 'alpha', chainId: chain.chainId, rpcUrl: proxy.url, addresses: wallets, bank }],
      { timeoutMs: 5000, retries: 0, ...(maxBatchSize ? { maxBatchSize } : {}) },
    );
    expect(sweep?.ok).toBe(true);
    // Every balance as the chain has it: nothing lost or shifted by the splitting.
    for (const [i, address] of wallets.entries()) {
      expect(sweep?.balances.get(address.toLowerCase())).toEqual({
        known: true,
        wei: BigInt(i + 1) * 7n,
      });
    }
    expect(sweep?.bank?.balance).toEqual({ known: true, wei: 0n });
    return { proxy, sweep: sweep! };
  }

  it('the common case: one request for the whole chain under the default size of 100', async () => {
    const { proxy, sweep } = await sweepThrough(() => {});
    expect(proxy.batchSizes).toEqual([calls]);
    expect(sweep.batchSize).toBe(100);
  });

  it('a configured size splits the sweep into parallel requests of at most that many calls', async () => {
    const { proxy } = await sweepThrough(() => {}, 10);
    expect(proxy.batchSizes).toHaveLength(Math.ceil(calls / 10));
    expect(Math.max(...proxy.batchSizes)).toBe(10);
  });

  for (const overBatch of ['refuse', 'http', 'truncate'] as const) {
    it(`a provider capped at 10 calls that ${overBatch === 'refuse' ? 'answers an error object' : overBatch === 'http' ? 'answers HTTP 413' : 'truncates the answer'}: halved until it fits, and swept`, async () => {
      const { proxy, sweep } = await sweepThrough((p) => {
        p.maxBatch = 10;
        p.overBatch = overBatch;
      });
      expect(sweep.batchSize).toBeLessThanOrEqual(10);
      // Every call answered once by the node: refused batches are sent again in parts that fit.
      expect(sweep.rpcErrors.filter((m) => m !== 'batch')).toEqual([]);
      const served = proxy.batchSizes.filter((n) => n <= 10);
      if (overBatch === 'truncate') {
        expect(proxy.batchSizes[0]).toBe(calls);
      } else {
        expect(served.reduce((a, b) => a + b, 0)).toBe(calls);
      }
    });
  }

  it('a provider answering each batch in reverse order: every answer lands on its own call, by id', async () => {
    // sweepThrough checks every wallet's balance: matched by position, they would be swapped.
    const { proxy, sweep } = await sweepThrough((p) => {
      p.reorder = true;
    });
    expect(proxy.batchSizes).toEqual([calls]);
    expect(sweep.blockNumber).toBeGreaterThan(0);
  });

  it('a provider refusing batches altogether: every call as a plain request', async () => {
    const { proxy, sweep } = await sweepThrough((p) => {
      p.noBatches = true;
    });
    expect(sweep.noBatches).toBe(true);
    expect(sweep.batchSize).toBe(1);
    // Every call of the sweep went once as a plain request: the head and every balance.
    expect(proxy.plainMethods.filter((m) => m === 'eth_getBalance')).toHaveLength(
      wallets.length + 2,
    );
    expect(proxy.plainMethods).toHaveLength(calls);
  });
});
