import { Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { sendTopUps } from '../../src/keymaster/send/send.js';
import type { TxResult } from '../../src/keymaster/types.js';
import { startChains, type Chain } from '../harness/chains.js';
import { balanceOf, fund, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js';

const ETH = 10n ** 18n;
const FEES = { type: 2 as const, maxFeePerGas: 100n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };

/**
 * Top-ups broadcast together, and a nonce the node refuses filled at once: against a Hardhat
 * chain of our own with automining off, mined one block at a time by the test, behind a proxy
 * that refuses chosen transactions as a node would.
 */
describe('top-ups in one batch, a refused nonce filled at once (own chain, blocks mined by the test)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  let proxy: RpcProxy;
  const rpc = (method: string, params: unknown[] = []) =>
    rpcCall(chain.url, { method, params }, { timeoutMs: 5000 });
  const nonceOf = async (address: string, tag: string) =>
    Number(await rpc('eth_getTransactionCount', [address, tag]));

  beforeAll(async () => {
    // Mining is under the test's control: this chain is ours alone.
    const running = await startChains([31343]);
    chain = running.chains[0]!;
    stop = running.stop;
    proxy = await startRpcProxy(chain.url);
  }, 60_000);
  afterAll(async () => {
    await proxy.close();
    await stop();
  });

  /**
   * A funded bank and four recipients; `refuse` decides the node's answer to each broadcast.
   * Sends the four top-ups, mines one block once the pool holds every nonce, and returns what was
   * broadcast and the results.
   */
  async function sendFour(
    refuse: (tx: Transaction, seen: number) => string | undefined,
    options: { lower?: bigint; prefund?: bigint; reorder?: boolean } = {},
  ) {
    const bank = Wallet.createRandom();
    const recipients = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[9]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
      ...(options.prefund ? [{ to: recipients[1]!, wei: options.prefund }] : []),
    ]);
    await rpc('evm_setAutomine', [false]);
    const broadcast: Transaction[] = [];
    proxy.batchSizes = [];
    proxy.methods = [];
    proxy.reorder = options.reorder ?? false;
    proxy.refuse = (call) => {
      if (call.method !== 'eth_sendRawTransaction') return undefined;
      const tx = Transaction.from(call.params[0] as string);
      if (tx.from !== bank.address) return undefined;
      broadcast.push(tx);
      return refuse(tx, broadcast.filter((t) => t.nonce === tx.nonce).length);
    };
    let results: TxResult[];
    try {
      const sending = sendTopUps({
        network: 'gap',
        chainId: chain.chainId,
        rpcUrl: proxy.url,
        signer: bank,
        fees: FEES,
        startNonce: 0,
        transfers: recipients.map((to) => ({
          to,
          amount: ETH,
          ...(options.lower !== undefined ? { lower: options.lower } : {}),
        })),
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 20_000,
        pollIntervalMs: 20,
        balancesOf: async (addresses) =>
          new Map(
            await Promise.all(
              addresses.map(
                async (a) => [a.toLowerCase(), await balanceOf(chain.url, a)] as [string, bigint],
              ),
            ),
          ),
      });
      // Every nonce in the pool (a top-up or its fill), then one block for all of them.
      await vi.waitFor(async () => expect(await nonceOf(bank.address, 'pending')).toBe(4), {
        timeout: 10_000,
        interval: 20,
      });
      await rpc('evm_mine');
      results = await sending;
    } finally {
      proxy.refuse = undefined;
      proxy.reorder = false;
      await rpc('evm_setAutomine', [true]);
    }
    return { bank, recipients, broadcast, results };
  }

  it('without refusals: every top-up in one request, all mined in one block', async () => {
    const { recipients, broadcast, results } = await sendFour(() => undefined);
    expect(broadcast.map((t) => t.nonce)).toEqual([0, 1, 2, 3]);
    // The proxy sees only the sender: its first request is the four broadcasts, nothing else.
    expect(proxy.batchSizes[0]).toBe(4);
    expect(proxy.methods.slice(0, 4)).toEqual(Array(4).fill('eth_sendRawTransaction'));
    expect(proxy.methods.filter((m) => m === 'eth_sendRawTransaction')).toHaveLength(4);
    expect(results.map((r) => r.status)).toEqual(['mined', 'mined', 'mined', 'mined']);
    expect(new Set(results.map((r) => r.blockNumber)).size).toBe(1);
    for (const to of recipients) expect(await balanceOf(chain.url, to)).toBe(ETH);
  });

  it('a refusal the node may not repeat (a full pool): the same top-up sent again at once, all four paid once, in one block', async () => {
    const { bank, recipients, broadcast, results } = await sendFour((tx, seen) =>
      tx.nonce === 1 && seen === 1 ? 'txpool is full' : undefined,
    );
    // The batch, then the refused transfer again: the same bytes.
    expect(broadcast.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 1]);
    expect(broadcast[4]!.hash).toBe(broadcast[1]!.hash);
    expect(results.map((r) => r.status)).toEqual(['mined', 'mined', 'mined', 'mined']);
    expect(new Set(results.map((r) => r.blockNumber)).size).toBe(1);
    for (const to of recipients) expect(await balanceOf(chain.url, to)).toBe(ETH);
    expect(await nonceOf(bank.address, 'latest')).toBe(4);
  });

  it('a refusal the node will repeat: its nonce filled by a zero-value self-transfer, the others paid in the same block, it not at all', async () => {
    const { bank, recipients, broadcast, results } = await sendFour((tx) =>
      tx.nonce === 1 && tx.value > 0n ? 'intrinsic gas too low' : undefined,
    );
    expect(broadcast.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 1]);
    expect(broadcast[4]).toMatchObject({ to: bank.address, value: 0n });
    expect(results.map((r) => r.status)).toEqual(['mined', 'rejected', 'mined', 'mined']);
    expect(results[1]?.fillHash).toBe(broadcast[4]!.hash);
    expect(results[1]?.error).toMatch(
      /intrinsic gas too low.*filled by the zero-value self-transfer/,
    );
    expect(new Set([0, 2, 3].map((i) => results[i]!.blockNumber)).size).toBe(1);
    expect(await balanceOf(chain.url, recipients[1]!)).toBe(0n);
    for (const i of [0, 2, 3]) expect(await balanceOf(chain.url, recipients[i]!)).toBe(ETH);
    // The self-transfer was mined too: every nonce is used, none waits behind a hole.
    expect(await nonceOf(bank.address, 'latest')).toBe(4);
  });

  it('a node answering every batch in reverse order: the refusal is matched to its nonce by id, and only that nonce is filled', async () => {
    const { bank, recipients, broadcast, results } = await sendFour(
      (tx) => (tx.nonce === 1 && tx.value > 0n ? 'intrinsic gas too low' : undefined),
      { reorder: true },
    );
    expect(broadcast.map((t) => [t.nonce, t.to])).toEqual([
      [0, recipients[0]],
      [1, recipients[1]],
      [2, recipients[2]],
      [3, recipients[3]],
      [1, bank.address],
    ]);
    expect(results.map((r) => [r.nonce, r.to, r.status])).toEqual([
      [0, recipients[0], 'mined'],
      [1, recipients[1], 'rejected'],
      [2, recipients[2], 'mined'],
      [3, recipients[3], 'mined'],
    ]);
    expect(results[1]?.fillHash).toBe(broadcast[4]!.hash);
    // Each mined result carries its own transaction's hash: receipts were matched by id too.
    for (const i of [0, 2, 3]) expect(results[i]?.hash).toBe(broadcast[i]!.hash);
    expect(await balanceOf(chain.url, recipients[1]!)).toBe(0n);
    for (const i of [0, 2, 3]) expect(await balanceOf(chain.url, recipients[i]!)).toBe(ETH);
  });

  it('a refused top-up whose wallet is now at or above its lower bound is not sent again: its nonce is filled with nothing', async () => {
    const { bank, recipients, broadcast, results } = await sendFour(
      (tx) => (tx.nonce === 1 && tx.value > 0n ? 'txpool is full' : undefined),
      { lower: ETH / 2n, prefund: ETH / 2n },
    );
    expect(broadcast.map((t) => [t.nonce, t.value])).toEqual([
      [0, ETH],
      [1, ETH],
      [2, ETH],
      [3, ETH],
      [1, 0n],
    ]);
    expect(broadcast[4]?.to).toBe(bank.address);
    expect(results.map((r) => r.status)).toEqual(['mined', 'rejected', 'mined', 'mined']);
    expect(await balanceOf(chain.url, recipients[1]!)).toBe(ETH / 2n);
    expect(await nonceOf(bank.address, 'latest')).toBe(4);
  });

  it("a nonce held in the pool by one of the bank's zero-value self-transfers is taken over by the top-up, with bumped fees", async () => {
    const bank = Wallet.createRandom();
    const recipients = [Wallet.createRandom().address, Wallet.createRandom().address];
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[9]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    await rpc('evm_setAutomine', [false]);
    const broadcast: Transaction[] = [];
    const intents: Array<string | undefined> = [];
    proxy.refuse = (call) => {
      if (call.method === 'eth_sendRawTransaction') {
        broadcast.push(Transaction.from(call.params[0] as string));
      }
      return undefined;
    };
    let results: TxResult[];
    try {
      // An earlier run's withdrawal: a self-transfer at nonce 1, queued behind the missing nonce 0.
      const held = await bank.signTransaction({
        to: bank.address,
        value: 0n,
        nonce: 1,
        chainId: chain.chainId,
        gasLimit: 21_000n,
        type: 2,
        maxFeePerGas: 120n * 10n ** 9n,
        maxPriorityFeePerGas: 2n * 10n ** 9n,
      });
      await rpc('eth_sendRawTransaction', [held]);
      const sending = sendTopUps({
        network: 'gap',
        chainId: chain.chainId,
        rpcUrl: proxy.url,
        signer: bank,
        fees: FEES,
        startNonce: 0,
        transfers: recipients.map((to) => ({ to, amount: ETH })),
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 20_000,
        pollIntervalMs: 20,
        beforeBroadcast: async (signed) => {
          intents.push(...signed.map((t) => t.hash));
        },
      });
      // Nonce 0, then the top-up over the self-transfer at nonce 1: mined together.
      await vi.waitFor(() => expect(broadcast).toHaveLength(3), { timeout: 10_000, interval: 20 });
      await rpc('evm_mine');
      results = await sending;
    } finally {
      proxy.refuse = undefined;
      await rpc('evm_setAutomine', [true]);
    }
    expect(broadcast.map((t) => t.nonce)).toEqual([0, 1, 1]);
    expect(broadcast[2]?.hash).not.toBe(broadcast[1]?.hash);
    expect(broadcast[2]?.to).toBe(recipients[1]);
    expect(broadcast[2]!.maxFeePerGas!).toBeGreaterThan(120n * 10n ** 9n);
    expect(results.map((r) => r.status)).toEqual(['mined', 'mined']);
    expect(results[1]?.hash).toBe(broadcast[2]?.hash);
    // The top-up put over the self-transfer is a new version of the payment: it has its intent.
    expect(intents).toEqual(broadcast.map((t) => t.hash));
    for (const to of recipients) expect(await balanceOf(chain.url, to)).toBe(ETH);
    expect(await nonceOf(bank.address, 'latest')).toBe(2);
  });

  it('a refused nonce that not even a self-transfer fills: the top-ups queued behind it are withdrawn at their nonces and never pay', async () => {
    const bank = Wallet.createRandom();
    const recipients = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[9]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    await rpc('evm_setAutomine', [false]);
    const broadcast: Transaction[] = [];
    proxy.refuse = (call) => {
      if (call.method !== 'eth_sendRawTransaction') return undefined;
      const tx = Transaction.from(call.params[0] as string);
      broadcast.push(tx);
      // Whatever is sent at nonce 1, the node refuses: the gap cannot be filled.
      return tx.nonce === 1 ? 'intrinsic gas too low' : undefined;
    };
    let results: TxResult[];
    try {
      const sending = sendTopUps({
        network: 'gap',
        chainId: chain.chainId,
        rpcUrl: proxy.url,
        signer: bank,
        fees: FEES,
        startNonce: 0,
        transfers: recipients.map((to) => ({ to, amount: ETH })),
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 20_000,
        pollIntervalMs: 20,
      });
      // The four top-ups, the self-transfer at nonce 1, then the withdrawals at nonces 2 and 3.
      await vi.waitFor(() => expect(broadcast).toHaveLength(7), { timeout: 10_000, interval: 20 });
      await rpc('evm_mine');
      results = await sending;
    } finally {
      proxy.refuse = undefined;
      await rpc('evm_setAutomine', [true]);
    }
    expect(broadcast.slice(5).map((t) => [t.nonce, t.to, t.value])).toEqual([
      [2, bank.address, 0n],
      [3, bank.address, 0n],
    ]);
    expect(broadcast[5]!.maxFeePerGas!).toBeGreaterThan(FEES.maxFeePerGas);
    expect(results.map((r) => r.status)).toEqual(['mined', 'rejected', 'not-sent', 'not-sent']);
    for (const i of [2, 3]) {
      expect(results[i]?.cancelHash).toBe(broadcast[i + 3]!.hash);
      expect(results[i]?.replaced).toEqual([broadcast[i]!.hash]);
      expect(results[i]?.error).toMatch(/^withdrawn: nonce 1 /);
    }
    // The next run uses nonce 1: what was queued behind it is mined as the withdrawals, not as pay.
    await rpc('eth_sendRawTransaction', [
      await bank.signTransaction({
        to: bank.address,
        value: 0n,
        nonce: 1,
        chainId: chain.chainId,
        gasLimit: 21_000n,
        ...FEES,
      }),
    ]);
    await vi.waitFor(async () => expect(await nonceOf(bank.address, 'latest')).toBe(4), {
      timeout: 10_000,
      interval: 20,
    });
    expect(await balanceOf(chain.url, recipients[0]!)).toBe(ETH);
    for (const i of [1, 2, 3]) expect(await balanceOf(chain.url, recipients[i]!)).toBe(0n);
  });

  it("a stuck top-up's replacement gets its ledger intent before its broadcast, like the first version", async () => {
    const bank = Wallet.createRandom();
    const to = Wallet.createRandom().address;
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[9]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    await rpc('evm_setAutomine', [false]);
    // What happened, in order: an intent written, a transaction broadcast.
    const events: string[] = [];
    proxy.refuse = (call) => {
      if (call.method === 'eth_sendRawTransaction') {
        events.push(`broadcast ${Transaction.from(call.params[0] as string).hash}`);
      }
      return undefined;
    };
    let results: TxResult[];
    try {
      const sending = sendTopUps({
        network: 'gap',
        chainId: chain.chainId,
        rpcUrl: proxy.url,
        signer: bank,
        fees: FEES,
        startNonce: 0,
        transfers: [{ to, amount: ETH }],
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 20_000,
        pollIntervalMs: 20,
        replaceAfterMs: 50,
        // The chain now asks twice as much: the top-up is priced out and replaced.
        requote: async () => ({
          type: 2,
          maxFeePerGas: 2n * FEES.maxFeePerGas,
          maxPriorityFeePerGas: 2n * FEES.maxPriorityFeePerGas,
        }),
        beforeBroadcast: async (signed) => {
          for (const tx of signed) events.push(`intent ${tx.hash}`);
        },
      });
      await vi.waitFor(() => expect(events).toHaveLength(4), { timeout: 10_000, interval: 20 });
      await rpc('evm_mine');
      results = await sending;
    } finally {
      proxy.refuse = undefined;
      await rpc('evm_setAutomine', [true]);
    }
    const [result] = results;
    const first = result!.replaced![0]!;
    expect(events).toEqual([
      `intent ${first}`,
      `broadcast ${first}`,
      `intent ${result!.hash}`,
      `broadcast ${result!.hash}`,
    ]);
    expect(result).toMatchObject({ status: 'mined', replaced: [first] });
    expect(await balanceOf(chain.url, to)).toBe(ETH);
  });
});
