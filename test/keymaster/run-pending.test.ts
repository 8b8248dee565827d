import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcCall } from '../../src/keymaster/rpc.js';
import { runKeymaster } from '../../src/keymaster/run.js';
import { startChains, type Chain } from '../harness/chains.js';
import { balanceOf, fund, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, resolverFor, testEnvironment } from './fixtures.js';

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
});
