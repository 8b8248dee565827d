import { Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import { startChains, type Chain } from '../harness/chains.js';
import { balanceOf, fund, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, resolverFor, testEnvironment } from './fixtures.js';
import { startRpcProxy } from './rpc-proxy.js';

describe('a run started while the previous one is still pending (own chain, mining paused)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    // Pausing mining on the shared chains would stall other test files: this chain is ours alone.
    const running = await startChains([31340]);
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(() => stop());

  const rpc = (method: string, params: unknown[] = []) =>
    rpcCall(chain.url, { method, params }, { timeoutMs: 5000 });

  it('does not pay twice, and settles once mined', async () => {
    const env = testEnvironment([{ name: 'alpha', chainId: chain.chainId }], {
      receiptTimeoutSeconds: 1,
    });
    const { rows, addresses } = agentRows(env, ['updater', 'relayer', 'processor', 'watcher']);
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[4]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const options = {
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: { alpha: chain.url },
      pollIntervalMs: 50,
    };
    await rpc('evm_setAutomine', [false]);
    try {
      const first = await runKeymaster(options);
      expect(first.sent).toHaveLength(4);
      expect(first.sent.every((t) => t.status === 'timeout')).toBe(true);
      expect(first.ok).toBe(false);

      const second = await runKeymaster(options);
      expect(second.sent).toEqual([]);
      expect(second.decisions.map((d) => [d.reason, d.pendingIn])).toEqual(
        first.decisions.map((d) => ['healthy', d.amount]),
      );
    } finally {
      await rpc('evm_setAutomine', [true]);
      await rpc('evm_mine');
    }
    for (const address of addresses.values()) {
      const row = rows.find((r) => addresses.get(r.alias!) === address)!;
      expect(await balanceOf(chain.url, address)).toBe(row.target);
    }
    const third = await runKeymaster(options);
    expect(third.sent).toEqual([]);
    expect(third.ok).toBe(true);
  });

  it('a node refusing a transfer in the middle: nothing behind the gap can pay, and the next run pays no one twice', async () => {
    const env = testEnvironment([{ name: 'alpha', chainId: chain.chainId }], {
      receiptTimeoutSeconds: 5,
    });
    const { rows, addresses } = agentRows(env, ['updater', 'relayer', 'processor', 'watcher']);
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[4]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const proxy = await startRpcProxy(chain.url);
    const broadcast: Transaction[] = [];
    let refusing = true;
    proxy.refuse = (call) => {
      if (call.method !== 'eth_sendRawTransaction') return undefined;
      const tx = Transaction.from(call.params[0] as string);
      broadcast.push(tx);
      return refusing && tx.nonce === 1 ? 'txpool is full' : undefined;
    };
    const options = {
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: { alpha: proxy.url },
      pollIntervalMs: 50,
    };
    // Without automining the node queues a transaction behind a nonce gap, as a real node does.
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [100]);
    try {
      const first = await runKeymaster(options);
      expect(first.sent.map((t) => [t.nonce, t.status])).toEqual([
        [0, 'mined'],
        [1, 'rejected'],
        [2, 'not-sent'],
        [3, 'not-sent'],
      ]);
      // All four in one batch; the refused nonce sent again, then a self-transfer at it: both
      // refused, so the gap stays and the two queued behind it are withdrawn, each replaced by a
      // zero-value self-transfer at its nonce: nothing behind the gap can ever pay.
      expect(broadcast.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 1, 1, 2, 3]);
      expect(broadcast.slice(5).every((t) => t.to === bank.address && t.value === 0n)).toBe(true);
      expect(first.failures.filter((f) => f.kind === 'send')).toHaveLength(3);

      // Meanwhile the refused wallet is funded by hand: the next run's order of payments shifts.
      const refusedTo = broadcast[1]!.to!;
      const refusedRow = rows.find((r) => addresses.get(r.alias!) === refusedTo)!;
      await fund(chain.url, KEYMASTER_FUNDER_KEYS[4]!, chain.chainId, [
        { to: refusedTo, wei: refusedRow.target },
      ]);
      refusing = false;
      const second = await runKeymaster(options);
      // Nonce 1 fills the gap. Nonce 2 is held by the first run's withdrawal: the top-up takes it
      // over while that self-transfer is still in the pool, or, when a block mined it first, is
      // refused and left to the next run. Either way no one is paid twice.
      expect(second.sent.map((t) => t.nonce)).toEqual([1, 2]);
      expect(second.sent[0]?.status).toBe('mined');
      expect(['mined', 'rejected']).toContain(second.sent[1]?.status);
      // Until every nonce the two runs used (0 to 3) is mined: anything queued behind a gap too.
      await vi.waitFor(
        async () =>
          expect(Number(await rpc('eth_getTransactionCount', [bank.address, 'latest']))).toBe(4),
        { timeout: 10_000, interval: 50 },
      );
      const third = await runKeymaster(options);
      expect(third.sent.map((t) => [t.nonce, t.status])).toEqual(
        second.sent[1]?.status === 'mined' ? [] : [[4, 'mined']],
      );
    } finally {
      await rpc('evm_setIntervalMining', [0]);
      await rpc('evm_setAutomine', [true]);
      await proxy.close();
    }
    for (const row of rows) {
      expect(await balanceOf(chain.url, addresses.get(row.alias!)!)).toBe(row.target);
    }
  });
});
