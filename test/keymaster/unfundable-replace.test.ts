import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeymasterMetrics } from '../../src/keymaster/service/metrics.js';
import { unitsOf } from '../../src/config/amounts.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import { type RunKeymasterOptions } from '../../src/keymaster/run/options.js';
import { startChains, type Chain } from '../harness/chains.js';
import { balanceOf, fund, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, networkSettings, resolverFor, testEnvironment } from './fixtures.js';
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js';

/** INVALID: every call to it reverts, whatever the gas. */
const REVERTING_CODE = '0xfe';
/** SSTORE(0, 1); STOP: a receiver that needs about 43,000 gas, more than a plain 21,000. */
const GAS_HUNGRY_CODE = '0x600160005500';

describe('gas per recipient and stuck top-ups (own chain: code and mining under test control)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  const proxies: RpcProxy[] = [];
  beforeAll(async () => {
    const running = await startChains([31342]);
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await stop();
  });

  const rpc = (method: string, params: unknown[] = []) =>
    rpcCall(chain.url, { method, params }, { timeoutMs: 5000 });
  const nonceOf = async (address: string) =>
    Number(BigInt((await rpc('eth_getTransactionCount', [address, 'latest'])) as string));

  async function setup(roles: Array<'relayer' | 'processor' | 'updater'>, settings = {}) {
    const env = testEnvironment([{ name: 'alpha', chainId: chain.chainId, settings }], {
      receiptTimeoutSeconds: 30,
    });
    const { rows, addresses } = agentRows(env, roles);
    // A base fee left high by an earlier test falls back to 1 gwei.
    await rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(10n ** 9n).toString(16)}`]);
    await rpc('evm_mine');
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[8]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const proxy = await startRpcProxy(chain.url);
    proxies.push(proxy);
    const options: RunKeymasterOptions = {
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: { alpha: proxy.url },
      pollIntervalMs: 25,
    };
    const address = (role: string) => addresses.get(`alias/development-alpha-${role}-signer`)!;
    return { env, options, bank, proxy, address };
  }

  it('a reverting recipient is never sent a transaction, run after run, until its code changes; the others are paid', async () => {
    const { env, options, bank, proxy, address } = await setup(['relayer', 'processor']);
    await rpc('hardhat_setCode', [address('relayer'), REVERTING_CODE]);

    for (let run = 0; run < 2; run += 1) {
      const result = await runKeymaster(options);
      const relayer = result.decisions.find((d) => d.roles.includes('relayer'))!;
      expect(relayer).toMatchObject({ reason: 'unfundable', amount: 0n });
      expect(relayer.detail).toMatch(/would revert/);
      expect(result.failures).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'unfundable', network: 'alpha' })]),
      );
      expect(result.ok).toBe(false);
      expect(result.sent.map((t) => t.to)).toEqual(run === 0 ? [address('processor')] : []);
      const metrics = new KeymasterMetrics(env.name, unitsOf(env));
      metrics.observe(result);
      const text = await metrics.text();
      const unfundable = (who: string) =>
        new RegExp(
          `nomad_keymaster_unfundable\\{environment="development",network="alpha",[^}]*address="${who}"\\} (\\d)`,
          'i',
        ).exec(text)?.[1];
      expect(unfundable(address('relayer'))).toBe('1');
      expect(unfundable(address('processor'))).toBe('0');
    }
    // No fee spent on it: the bank sent exactly one transaction (the processor's).
    expect(await nonceOf(bank.address)).toBe(1);
    expect(proxy.methods.filter((m) => m === 'eth_sendRawTransaction')).toHaveLength(1);
    expect(await balanceOf(chain.url, address('relayer'))).toBe(0n);

    // Its code changes (an EOA again): the next run pays it.
    await rpc('hardhat_setCode', [address('relayer'), '0x']);
    const healed = await runKeymaster(options);
    expect(healed.ok).toBe(true);
    expect(await balanceOf(chain.url, address('relayer'))).toBe(ETH);
  });

  it('a receiver that needs more than 21,000 gas is paid with its estimate; above the ceiling it is unfundable', async () => {
    const { options, address } = await setup(['relayer']);
    await rpc('hardhat_setCode', [address('relayer'), GAS_HUNGRY_CODE]);
    const capped = await runKeymaster({
      ...options,
      env: {
        ...options.env,
        keymaster: {
          ...options.env.keymaster,
          networks: {
            alpha: networkSettings({
              gas: { maxPerTransfer: 30_000n, replaceAfterSeconds: 60 },
            }),
          },
        },
      },
    });
    expect(capped.decisions[0]).toMatchObject({ reason: 'unfundable' });
    expect(capped.decisions[0]!.detail).toMatch(
      /needs \d+ gas, above this network's ceiling of 30000/,
    );
    expect(capped.sent).toEqual([]);

    const run = await runKeymaster(options);
    expect(run.ok).toBe(true);
    const [tx] = run.sent;
    expect(tx).toMatchObject({ status: 'mined' });
    expect(tx!.gasUsed! > 21_000n).toBe(true);
    expect(tx!.gasLimit! >= tx!.gasUsed!).toBe(true);
    expect(await balanceOf(chain.url, address('relayer'))).toBe(ETH);
  });

  it('a top-up priced out by a rising base fee is replaced at the same nonce, lands once, and is counted', async () => {
    const { env, options, bank, proxy, address } = await setup(['relayer'], {
      gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 1 },
    });
    const sends = () => proxy.methods.filter((m) => m === 'eth_sendRawTransaction').length;
    await rpc('evm_setAutomine', [false]);
    try {
      const running = runKeymaster(options);
      await vi.waitFor(() => expect(sends()).toBe(1), { timeout: 20_000, interval: 20 });
      // The base fee jumps far above what the top-up bids: an empty block is mined, the top-up kept.
      await rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(200n * 10n ** 9n).toString(16)}`]);
      await rpc('evm_mine');
      expect(await nonceOf(bank.address)).toBe(0);
      // The run sees it unmined after replaceAfterSeconds and bidding too little: it replaces it.
      await vi.waitFor(() => expect(sends()).toBe(2), { timeout: 20_000, interval: 20 });
      await rpc('evm_mine');
      const run = await running;

      const [tx] = run.sent;
      expect(tx).toMatchObject({ status: 'mined', nonce: 0, to: address('relayer') });
      expect(tx!.replaced).toHaveLength(1);
      // The first version can never be mined now: its nonce is taken by the replacement.
      expect(await rpc('eth_getTransactionReceipt', [tx!.replaced![0]])).toBeNull();
      expect(await nonceOf(bank.address)).toBe(1);
      expect(await balanceOf(chain.url, address('relayer'))).toBe(ETH);
      expect(run.ok).toBe(true);

      const metrics = new KeymasterMetrics(env.name, unitsOf(env));
      metrics.observe(run);
      expect(await metrics.text()).toMatch(
        /nomad_keymaster_replacements_total\{network="alpha"\} 1/,
      );
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
  });

  it('a stuck top-up whose wallet was funded meanwhile is cancelled by a zero-value self-transfer at its nonce', async () => {
    const { options, bank, proxy, address } = await setup(['relayer'], {
      gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 1 },
    });
    const sends = () => proxy.methods.filter((m) => m === 'eth_sendRawTransaction').length;
    await rpc('evm_setAutomine', [false]);
    try {
      const running = runKeymaster(options);
      await vi.waitFor(() => expect(sends()).toBe(1), { timeout: 20_000, interval: 20 });
      await rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(200n * 10n ** 9n).toString(16)}`]);
      await rpc('evm_mine');
      // Someone else funds the wallet (above its lower bound) while the top-up is stuck.
      await rpc('hardhat_setBalance', [address('relayer'), `0x${(2n * ETH).toString(16)}`]);
      await vi.waitFor(() => expect(sends()).toBe(2), { timeout: 20_000, interval: 20 });
      await rpc('evm_mine');
      const run = await running;
      expect(run.sent[0]).toMatchObject({ status: 'cancelled', nonce: 0 });
      expect(run.sent[0]!.cancelHash).toBe(run.sent[0]!.hash);
      expect(run.ok).toBe(true);
      // Not paid: the wallet holds what it was given elsewhere, and the nonce is used once.
      expect(await balanceOf(chain.url, address('relayer'))).toBe(2n * ETH);
      expect(await nonceOf(bank.address)).toBe(1);
      const mined = (await rpc('eth_getTransactionByHash', [run.sent[0]!.hash])) as {
        to: string;
        value: string;
      };
      expect(mined.to.toLowerCase()).toBe(bank.address.toLowerCase());
      expect(BigInt(mined.value)).toBe(0n);
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
  });

  it('a replacement the fee cap does not allow is not sent; the top-up is reported stuck, never paid at a new nonce', async () => {
    const { options, bank, proxy } = await setup(['relayer'], {
      gas: { maxPerTransfer: 200_000n, replaceAfterSeconds: 1, maxFeePerGas: 5n * 10n ** 9n },
    });
    const sends = () => proxy.methods.filter((m) => m === 'eth_sendRawTransaction').length;
    await rpc('evm_setAutomine', [false]);
    try {
      const running = runKeymaster({
        ...options,
        env: { ...options.env, keymaster: { ...options.env.keymaster, receiptTimeoutSeconds: 5 } },
      });
      await vi.waitFor(() => expect(sends()).toBe(1), { timeout: 20_000, interval: 20 });
      await rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(200n * 10n ** 9n).toString(16)}`]);
      await rpc('evm_mine');
      const run = await running;
      expect(sends()).toBe(1);
      expect(run.sent[0]).toMatchObject({ status: 'timeout', nonce: 0 });
      expect(run.sent[0]!.error).toMatch(/not replaced: .*above the cap/);
      expect(run.ok).toBe(false);
    } finally {
      // Let it go: the base fee falls back and the one top-up is mined at its nonce.
      await rpc('hardhat_setNextBlockBaseFeePerGas', ['0x1']);
      await rpc('evm_setAutomine', [true]);
      await rpc('evm_mine');
    }
    expect(await nonceOf(bank.address)).toBe(1);
  });
});
