import { Wallet, type TransactionRequest } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingIncoming, sweepChain } from '../../src/keymaster/sweep/balances.js';
import { accountKey } from '../../src/keymaster/decide/decide.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import { maxFeePerTransfer, quoteFees } from '../../src/keymaster/send/gas.js';
import { sendTopUps } from '../../src/keymaster/send/send.js';
import { sendTransfer } from '../../src/keymaster/send/transfer.js';
import type { FeeQuote } from '../../src/keymaster/types.js';
import { startChains, type Chain } from '../harness/chains.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { tamperingFetch } from './tamper.js';

const ETH = 10n ** 18n;

describe('sendTopUps (Hardhat chain)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const running = await keymasterChains();
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(() => stop());

  it('sends all transfers with consecutive nonces; the bank pays exactly amounts plus fees', async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const agents = Array.from({ length: 5 }, () => Wallet.createRandom().address);
    const sweep = await sweepChain(
      {
        network: 'alpha',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        addresses: agents,
        bank: bank.address,
      },
      { timeoutMs: 5000 },
    );
    const fees = quoteFees(sweep);
    expect(fees?.type).toBe(2);
    const transfers = agents.map((to, i) => ({ to, amount: BigInt(i + 1) * (ETH / 10n) }));
    const results = await sendTopUps({
      network: 'alpha',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      signer: bank,
      fees: fees!,
      startNonce: sweep.bank!.pendingNonce,
      transfers,
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    expect(results.map((r) => [r.status, r.nonce])).toEqual(agents.map((_, i) => ['mined', i]));
    for (const [i, to] of agents.entries())
      expect(await balanceOf(chain.url, to)).toBe(transfers[i]!.amount);
    const paid = transfers.reduce((sum, t) => sum + t.amount, 0n);
    const feesPaid = results.reduce((sum, r) => sum + r.fee!, 0n);
    expect(feesPaid).toBeGreaterThan(0n);
    expect(feesPaid).toBeLessThanOrEqual(BigInt(results.length) * maxFeePerTransfer(fees!));
    expect(await balanceOf(chain.url, bank.address)).toBe(10n * ETH - paid - feesPaid);
  });

  it('uses legacy transactions when the configuration says the chain has no EIP-1559', async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [
      { to: bank.address, wei: ETH },
    ]);
    const to = Wallet.createRandom().address;
    const sweep = await sweepChain(
      {
        network: 'alpha',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        addresses: [to],
        bank: bank.address,
      },
      { timeoutMs: 5000 },
    );
    const fees = quoteFees(sweep, false);
    expect(fees).toEqual({ type: 0, gasPrice: sweep.gasPrice });
    const [result] = await sendTopUps({
      network: 'alpha',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      signer: bank,
      fees: fees!,
      startNonce: 0,
      transfers: [{ to, amount: 12345n }],
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    expect(result?.status).toBe('mined');
    const tx = (await rpcCall(
      chain.url,
      { method: 'eth_getTransactionByHash', params: [result!.hash] },
      { timeoutMs: 5000 },
    )) as { type: string };
    expect(tx.type).toBe('0x0');
  });

  it('reports a transfer the node refuses (nonce too low)', async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [
      { to: bank.address, wei: ETH },
    ]);
    const to = Wallet.createRandom().address;
    const fees = {
      type: 2 as const,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    };
    const first = await sendTopUps({
      network: 'alpha',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      signer: bank,
      fees,
      startNonce: 0,
      transfers: [{ to, amount: 1n }],
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    expect(first[0]?.status).toBe('mined');
    const again = await sendTopUps({
      network: 'alpha',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      signer: bank,
      fees,
      startNonce: 0,
      transfers: [{ to, amount: 1n }],
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 1000,
      pollIntervalMs: 20,
    });
    expect(again[0]?.status).toBe('rejected');
    expect(again[0]?.error).toMatch(/refused/);
    expect(await balanceOf(chain.url, to)).toBe(1n);
  });
  it('receipts without effectiveGasPrice: every one is read in the same poll; a legacy fee is exact, an EIP-1559 fee unknown', async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [
      { to: bank.address, wei: ETH },
    ]);
    let receiptsRead = 0;
    const oldNode = tamperingFetch(chain.url, (method, result) => {
      if (method !== 'eth_getTransactionReceipt' || !result) return result;
      receiptsRead += 1;
      const { effectiveGasPrice: _price, ...rest } = result as Record<string, unknown>;
      return rest;
    });
    const send = (fees: FeeQuote, startNonce: number, count: number) =>
      sendTopUps({
        network: 'alpha',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        signer: bank,
        fees,
        startNonce,
        transfers: Array.from({ length: count }, () => ({
          to: Wallet.createRandom().address,
          amount: 1n,
        })),
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 10_000,
        pollIntervalMs: 20,
        fetch: oldNode,
      });
    const gasPrice = 100n * 10n ** 9n;
    const legacy = await send({ type: 0, gasPrice }, 0, 3);
    expect(legacy.map((r) => r.status)).toEqual(['mined', 'mined', 'mined']);
    // Automining: all three were mined before the first poll, which read all three receipts.
    expect(receiptsRead).toBe(3);
    for (const r of legacy) expect(r.fee).toBe(r.gasUsed! * gasPrice);
    const [dynamic] = await send(
      { type: 2, maxFeePerGas: gasPrice, maxPriorityFeePerGas: 10n ** 9n },
      3,
      1,
    );
    expect(dynamic).toMatchObject({ status: 'mined', gasUsed: 21_000n });
    expect(dynamic?.fee).toBeUndefined();
  });
});

describe('in-flight transfers (own chain, mining paused)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    // Pausing mining on the shared chains would stall other test files: this chain is ours alone.
    const running = await startChains([31339]);
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(() => stop());

  it("sees the bank's unmined transfers in the pending block and counts them as incoming", async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[2]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const agents = [Wallet.createRandom().address, Wallet.createRandom().address];
    const target = {
      network: 'gamma',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      addresses: agents,
      bank: bank.address,
    };
    const before = await sweepChain(target, { timeoutMs: 5000 });
    await rpcCall(chain.url, { method: 'evm_setAutomine', params: [false] }, { timeoutMs: 5000 });
    try {
      const results = await sendTopUps({
        network: 'gamma',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        signer: bank,
        fees: quoteFees(before)!,
        startNonce: before.bank!.pendingNonce,
        transfers: [
          { to: agents[0]!, amount: ETH },
          { to: agents[0]!, amount: 2n },
          { to: agents[1]!, amount: 3n },
        ],
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 200,
        pollIntervalMs: 20,
      });
      expect(results.map((r) => r.status)).toEqual(['timeout', 'timeout', 'timeout']);
      const during = await sweepChain(target, { timeoutMs: 5000 });
      expect(during.bank).toMatchObject({ latestNonce: 0, pendingNonce: 3 });
      expect(during.bank?.busy).toBeUndefined();
      expect(during.bank?.inFlight.map((t) => t.nonce).sort()).toEqual([0, 1, 2]);
      expect(during.balances.get(agents[0]!.toLowerCase())).toEqual({ known: true, wei: 0n });
      const pending = pendingIncoming([during]);
      expect(pending.get(accountKey('gamma', agents[0]!))).toBe(ETH + 2n);
      expect(pending.get(accountKey('gamma', agents[1]!))).toBe(3n);
      // The bank's balance is read at the pending block: what is in flight is already deducted.
      expect(during.bank?.balance).toMatchObject({ known: true });
      const pendingBank = (during.bank!.balance as { wei: bigint }).wei;
      expect(pendingBank).toBeLessThan(10n * ETH - ETH - 5n);
    } finally {
      await rpcCall(chain.url, { method: 'evm_setAutomine', params: [true] }, { timeoutMs: 5000 });
      await rpcCall(chain.url, { method: 'evm_mine', params: [] }, { timeoutMs: 5000 });
    }
    const after = await sweepChain(target, { timeoutMs: 5000 });
    expect(after.bank).toMatchObject({ latestNonce: 3, pendingNonce: 3, inFlight: [] });
    expect(after.balances.get(agents[0]!.toLowerCase())).toEqual({ known: true, wei: ETH + 2n });
  });

  it('a transfer the node already holds counts as in flight, and the ones after it are still sent', async () => {
    const bank = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[2]!, chain.chainId, [
      { to: bank.address, wei: ETH },
    ]);
    const to = Wallet.createRandom().address;
    const fees = {
      type: 2 as const,
      maxFeePerGas: 100n * 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    };
    const send = (transfers: Array<{ to: string; amount: bigint }>) =>
      sendTopUps({
        network: 'gamma',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        signer: bank,
        fees,
        startNonce: 0,
        transfers,
        rpcTimeoutMs: 5000,
        receiptTimeoutMs: 100,
        pollIntervalMs: 20,
      });
    await rpcCall(chain.url, { method: 'evm_setAutomine', params: [false] }, { timeoutMs: 5000 });
    try {
      const first = await send([{ to, amount: 1n }]);
      expect(first.map((r) => r.status)).toEqual(['timeout']);
      // The same signed transaction again (a run retried), then one more.
      const again = await send([
        { to, amount: 1n },
        { to, amount: 2n },
      ]);
      expect(again.map((r) => r.status)).toEqual(['timeout', 'timeout']);
      expect(again[0]?.hash).toBe(first[0]?.hash);
    } finally {
      await rpcCall(chain.url, { method: 'evm_setAutomine', params: [true] }, { timeoutMs: 5000 });
      await rpcCall(chain.url, { method: 'evm_mine', params: [] }, { timeoutMs: 5000 });
    }
    expect(await balanceOf(chain.url, to)).toBe(3n);
  });
});

describe('a signer that fails: the nonce is filled or nothing after it is sent (Hardhat chain)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const running = await keymasterChains();
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(() => stop());

  /** A bank whose signer throws (KMS throttled, say) for the transactions `fails` picks. */
  class FlakySigner extends Wallet {
    constructor(
      key: string,
      private readonly fails: (tx: TransactionRequest) => boolean,
    ) {
      super(key);
    }
    override async signTransaction(tx: TransactionRequest): Promise<string> {
      if (this.fails(tx)) throw new Error('ThrottlingException: rate exceeded');
      return super.signTransaction(tx);
    }
  }

  async function sendFour(fails: (tx: TransactionRequest) => boolean) {
    const bank = new FlakySigner(Wallet.createRandom().privateKey, fails);
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [
      { to: bank.address, wei: 10n * ETH },
    ]);
    const recipients = Array.from({ length: 4 }, () => Wallet.createRandom().address);
    const intents: Array<string | undefined> = [];
    const results = await sendTopUps({
      network: 'alpha',
      chainId: chain.chainId,
      rpcUrl: chain.url,
      signer: bank,
      fees: { type: 2, maxFeePerGas: 100n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n },
      startNonce: 0,
      transfers: recipients.map((to) => ({ to, amount: ETH })),
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 10_000,
      pollIntervalMs: 20,
      beforeBroadcast: async (signed) => {
        intents.push(...signed.map((t) => t.hash));
      },
    });
    const nonce = Number(
      BigInt(
        (await rpcCall(
          chain.url,
          { method: 'eth_getTransactionCount', params: [bank.address, 'latest'] },
          { timeoutMs: 5000 },
        )) as string,
      ),
    );
    const balances = await Promise.all(recipients.map((to) => balanceOf(chain.url, to)));
    return { results, intents, nonce, balances };
  }

  it('a top-up that cannot be signed: its nonce is filled by a self-transfer, the others are paid', async () => {
    const { results, intents, nonce, balances } = await sendFour(
      (tx) => tx.nonce === 1 && BigInt(tx.value ?? 0) > 0n,
    );
    expect(results.map((r) => r.status)).toEqual(['mined', 'not-signed', 'mined', 'mined']);
    expect(results[1]?.hash).toBeUndefined();
    expect(results[1]?.error).toMatch(
      /^signing failed: ThrottlingException.*; nonce 1 filled by the zero-value self-transfer 0x/,
    );
    expect(balances).toEqual([ETH, 0n, ETH, ETH]);
    // Every nonce used (the fill too); intents only for the payments.
    expect(nonce).toBe(4);
    expect(intents).toEqual([results[0]!.hash, results[2]!.hash, results[3]!.hash]);
  });

  it('a nonce where not even a self-transfer can be signed: nothing after it is broadcast', async () => {
    const { results, intents, nonce, balances } = await sendFour((tx) => tx.nonce === 1);
    expect(results.map((r) => r.status)).toEqual(['mined', 'not-signed', 'not-sent', 'not-sent']);
    expect(results[2]?.error).toMatch(/nonce 1 could not be signed/);
    expect(results[2]?.hash).toBeUndefined();
    expect(balances).toEqual([ETH, 0n, 0n, 0n]);
    expect(nonce).toBe(1);
    expect(intents).toEqual([results[0]!.hash]);
  });
});

describe('sendTransfer: a balance moved less its fee, never sent when it would fail (Hardhat chain)', () => {
  let chain: Chain;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const running = await keymasterChains();
    chain = running.chains[0]!;
    stop = running.stop;
  }, 60_000);
  afterAll(() => stop());

  const rpc = (method: string, params: unknown[] = []) =>
    rpcCall(chain.url, { method, params }, { timeoutMs: 5000 });
  const nonceOf = async (address: string) =>
    Number(BigInt((await rpc('eth_getTransactionCount', [address, 'latest'])) as string));

  async function move(to: string, wei: bigint, available = wei) {
    const sender = Wallet.createRandom();
    await fund(chain.url, KEYMASTER_FUNDER_KEYS[1]!, chain.chainId, [{ to: sender.address, wei }]);
    const sweep = await sweepChain(
      {
        network: 'alpha',
        chainId: chain.chainId,
        rpcUrl: chain.url,
        addresses: [to],
        bank: sender.address,
      },
      { timeoutMs: 5000 },
    );
    // Legacy: the fee is exactly gas × price, so what the sender keeps is exact.
    const fees = quoteFees(sweep, false)!;
    const outcome = await sendTransfer({
      network: 'alpha',
      chainId: chain.chainId,
      link: { url: chain.url, maxBatchSize: 100, timeoutMs: 5000 },
      signer: sender,
      from: sender.address,
      to,
      available,
      maxGas: 100_000n,
      fees,
      startNonce: sweep.bank!.pendingNonce,
      rpcTimeoutMs: 5000,
      receiptTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    return { sender, fees, outcome };
  }

  it('moves everything but the fee to a plain wallet: the sender keeps only the unused part of the fee', async () => {
    const to = Wallet.createRandom().address;
    const { sender, fees, outcome } = await move(to, ETH);
    expect(outcome.kind).toBe('sent');
    if (outcome.kind !== 'sent') return;
    const { gasPrice } = fees as { gasPrice: bigint };
    expect(outcome.maxFee).toBe(outcome.result.gasLimit! * gasPrice);
    expect(outcome.amount).toBe(ETH - outcome.maxFee);
    expect(outcome.result).toMatchObject({ status: 'mined', nonce: 0, amount: outcome.amount });
    expect(outcome.result.fee).toBe(21_000n * gasPrice);
    expect(await balanceOf(chain.url, to)).toBe(ETH - outcome.maxFee);
    // Legacy fees are exact: nothing but the reserved gas the transfer did not use stays.
    expect(await balanceOf(chain.url, sender.address)).toBe(
      (outcome.result.gasLimit! - 21_000n) * gasPrice,
    );
  });

  it('a recipient that needs more gas gets less: the amount pays for its estimated gas', async () => {
    const to = Wallet.createRandom().address;
    // SSTORE(0, 1); STOP: about 43,000 gas.
    await rpc('hardhat_setCode', [to, '0x600160005500']);
    const { sender, outcome } = await move(to, ETH);
    expect(outcome.kind).toBe('sent');
    if (outcome.kind !== 'sent') return;
    expect(outcome.result.status).toBe('mined');
    expect(outcome.result.gasLimit).toBeGreaterThan(21_000n);
    expect(await balanceOf(chain.url, to)).toBe(outcome.amount);
    // What the sender keeps is the unused part of the fee it reserved.
    const left = await balanceOf(chain.url, sender.address);
    expect(left).toBe(outcome.maxFee - outcome.result.fee!);
    expect(left).toBeGreaterThan(0n);
  });

  it('a transfer that would revert is not signed: no fee paid, no nonce used', async () => {
    const to = Wallet.createRandom().address;
    await rpc('hardhat_setCode', [to, '0xfe']);
    const { sender, outcome } = await move(to, ETH);
    expect(outcome).toMatchObject({ kind: 'not-sent' });
    expect(outcome.kind === 'not-sent' && outcome.reason).toMatch(/would revert/);
    expect(await balanceOf(chain.url, sender.address)).toBe(ETH);
    expect(await nonceOf(sender.address)).toBe(0);
  });

  it('an amount that does not cover the fee is not sent', async () => {
    const to = Wallet.createRandom().address;
    const { sender, outcome } = await move(to, ETH, 1000n);
    expect(outcome.kind === 'not-sent' && outcome.reason).toMatch(/does not cover the fee/);
    expect(await balanceOf(chain.url, sender.address)).toBe(ETH);
    expect(await nonceOf(sender.address)).toBe(0);
  });
});
