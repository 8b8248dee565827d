import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingIncoming, sweepBalances } from '../../src/keymaster/sweep/balances.js';
import type { FetchLike } from '../../src/keymaster/rpc/rpc.js';
import type { Chain } from '../harness/chains.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { closedPortUrl, startRpcProxy, type RpcProxy } from './rpc-proxy.js';
import { nullTipNoBlockNumber, tamperingFetch } from './tamper.js';

const FUNDER = KEYMASTER_FUNDER_KEYS[0]!;

describe('sweepBalances (Hardhat chains)', () => {
  let chains: Chain[];
  let stop: () => Promise<void>;
  const proxies: RpcProxy[] = [];
  const wallets = Array.from({ length: 40 }, () => Wallet.createRandom().address);
  const bank = Wallet.createRandom().address;

  beforeAll(async () => {
    ({ chains, stop } = await keymasterChains());
    const [a] = chains;
    await fund(
      a!.url,
      FUNDER,
      a!.chainId,
      wallets.slice(0, 5).map((to, i) => ({ to, wei: BigInt(i + 1) * 1000n })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await stop();
  });

  it('reads every balance of a chain in one HTTP request, values as the chain has them', async () => {
    const [a, b] = chains;
    const proxyA = await startRpcProxy(a!.url);
    const proxyB = await startRpcProxy(b!.url);
    proxies.push(proxyA, proxyB);
    const sweeps = await sweepBalances(
      [
        { network: 'alpha', chainId: a!.chainId, rpcUrl: proxyA.url, addresses: wallets, bank },
        { network: 'beta', chainId: b!.chainId, rpcUrl: proxyB.url, addresses: wallets, bank },
      ],
      { timeoutMs: 5000 },
    );
    expect(proxyA.requests).toBe(1);
    expect(proxyB.requests).toBe(1);
    // Every wallet, and the bank at the pending and the latest block.
    expect(proxyA.methods.filter((m) => m === 'eth_getBalance')).toHaveLength(wallets.length + 2);
    const [alpha] = sweeps;
    expect(alpha?.ok).toBe(true);
    for (const [i, address] of wallets.slice(0, 5).entries()) {
      expect(alpha?.balances.get(address.toLowerCase())).toEqual({
        known: true,
        wei: BigInt(i + 1) * 1000n,
      });
      expect(await balanceOf(a!.url, address)).toBe(BigInt(i + 1) * 1000n);
    }
    expect(alpha?.balances.get(wallets[10]!.toLowerCase())).toEqual({ known: true, wei: 0n });
    expect(alpha?.bank).toMatchObject({ latestNonce: 0, pendingNonce: 0, inFlight: [] });
    expect(alpha?.baseFeePerGas).toBeTypeOf('bigint');
    expect(alpha?.rpcErrors).toEqual([]);
  });

  it('splits a large sweep into parallel batches of the given size', async () => {
    const [a] = chains;
    const proxy = await startRpcProxy(a!.url);
    proxies.push(proxy);
    const [sweep] = await sweepBalances(
      [{ network: 'alpha', chainId: a!.chainId, rpcUrl: proxy.url, addresses: wallets }],
      { timeoutMs: 5000, maxBatchSize: 16 },
    );
    expect(proxy.requests).toBe(Math.ceil((wallets.length + 4) / 16));
    expect(sweep?.balances.size).toBe(wallets.length);
    expect([...sweep!.balances.values()].every((b) => b.known)).toBe(true);
  });

  it('reports a dead or hanging chain as unknown, never zero, without holding up the others', async () => {
    const [a, b] = chains;
    const hanging = await startRpcProxy(b!.url, { hang: true });
    proxies.push(hanging);
    const dead = await closedPortUrl();
    const [ok, refused, hung] = await sweepBalances(
      [
        { network: 'alpha', chainId: a!.chainId, rpcUrl: a!.url, addresses: wallets, bank },
        { network: 'dead', chainId: b!.chainId, rpcUrl: dead, addresses: wallets, bank },
        { network: 'hung', chainId: b!.chainId, rpcUrl: hanging.url, addresses: wallets, bank },
      ],
      { timeoutMs: 300, retries: 1, retryDelayMs: 10 },
    );
    // Bounded by counts, not by the clock: each failed chain made its two attempts, no more, and
    // the live chain answered its one request.
    expect(ok?.ok).toBe(true);
    expect(ok?.requests).toBe(1);
    for (const failed of [refused, hung]) {
      expect(failed?.ok).toBe(false);
      expect(failed?.attempts).toBe(2);
      expect(failed?.rpcErrors).toEqual(['batch', 'batch']);
      expect([...failed!.balances.values()].every((r) => !r.known)).toBe(true);
      expect(failed?.bank?.balance.known).toBe(false);
    }
    expect(hung?.error).toMatch(/did not answer within 300 ms/);
    expect(refused?.error).toMatch(/could not be reached/);
    expect(hanging.requests).toBe(2);
  });

  it('falls back to the latest bank balance on a node without the pending tag, when nothing is in flight', async () => {
    const [a] = chains;
    // A node that refuses `pending` for eth_getBalance: the tag is rewritten to one it rejects.
    const noPendingTag: FetchLike = (url, init) => {
      const calls = JSON.parse(String(init.body)) as Array<{ method: string; params: unknown[] }>;
      for (const call of calls) {
        if (call.method === 'eth_getBalance' && call.params[1] === 'pending')
          call.params[1] = 'nonsense';
      }
      return fetch(url, { ...init, body: JSON.stringify(calls) });
    };
    const funded = wallets[0]!;
    const [sweep] = await sweepBalances(
      [
        {
          network: 'alpha',
          chainId: a!.chainId,
          rpcUrl: a!.url,
          addresses: [funded],
          bank: funded,
        },
      ],
      { timeoutMs: 5000, fetch: noPendingTag },
    );
    expect(sweep?.bank?.balance).toEqual({ known: true, wei: 1000n });
    expect(sweep?.rpcErrors).toEqual([]);
  });

  it('refuses an RPC URL that serves another chain', async () => {
    const [a] = chains;
    const [sweep] = await sweepBalances(
      [{ network: 'alpha', chainId: 999, rpcUrl: a!.url, addresses: wallets }],
      { timeoutMs: 5000 },
    );
    expect(sweep?.ok).toBe(false);
    expect(sweep?.error).toMatch(/serves chain \d+, expected 999/);
    expect(sweep?.attempts).toBe(1);
  });

  it('reports a missing RPC URL without a request', async () => {
    const [sweep] = await sweepBalances(
      [
        {
          network: 'alpha',
          chainId: 1,
          rpcUrl: undefined,
          missingRpcReason: 'ALPHA_RPC_URL is not set',
          addresses: wallets,
        },
      ],
      { timeoutMs: 5000 },
    );
    expect(sweep).toMatchObject({ ok: false, error: 'ALPHA_RPC_URL is not set', requests: 0 });
    expect(pendingIncoming([sweep!]).size).toBe(0);
  });
  it('a node answering null for the tip and a block without a number: that chain is still read, counted as RPC errors, and the other chain too', async () => {
    const [a, b] = chains;
    const funded = wallets[0]!;
    const [odd, normal] = await sweepBalances(
      [
        { network: 'alpha', chainId: a!.chainId, rpcUrl: a!.url, addresses: [funded], bank },
        { network: 'beta', chainId: b!.chainId, rpcUrl: b!.url, addresses: [funded], bank },
      ],
      { timeoutMs: 5000, fetch: tamperingFetch(a!.url, nullTipNoBlockNumber) },
    );
    expect(odd?.ok).toBe(true);
    expect(odd?.maxPriorityFeePerGas).toBeUndefined();
    expect(odd?.blockNumber).toBeUndefined();
    expect(odd?.baseFeePerGas).toBeTypeOf('bigint');
    expect(odd?.balances.get(funded.toLowerCase())).toEqual({ known: true, wei: 1000n });
    expect(odd?.rpcErrors.sort()).toEqual(['eth_getBlockByNumber', 'eth_maxPriorityFeePerGas']);
    expect(normal?.ok).toBe(true);
    expect(normal?.maxPriorityFeePerGas).toBeTypeOf('bigint');
  });

  it('a chain whose sweep throws is reported as failed; the others are still swept', async () => {
    const [a, b] = chains;
    const [broken, fine] = await sweepBalances(
      [
        // Not an address: sweepChain throws on it before any request.
        { network: 'alpha', chainId: a!.chainId, rpcUrl: a!.url, addresses: [42 as never], bank },
        { network: 'beta', chainId: b!.chainId, rpcUrl: b!.url, addresses: wallets, bank },
      ],
      { timeoutMs: 5000 },
    );
    expect(broken).toMatchObject({ network: 'alpha', ok: false });
    expect(broken?.error).toMatch(/sweeping alpha failed unexpectedly/);
    expect(broken?.bank?.balance.known).toBe(false);
    expect(fine?.ok).toBe(true);
    expect(fine?.balances.size).toBe(wallets.length);
  });
});
