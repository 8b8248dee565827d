/**
 * The Keymaster against the naive way, through a proxy adding 50 ms to every HTTP request:
 *  1. a balance sweep of ~1000 account-chain pairs over 6 chains: ours (one JSON-RPC batch per
 *     chain, all chains in parallel) vs one eth_getBalance after another, as Nomad's Keymaster did;
 *     and the same sweep with batch caps of 10, 100 (the default) and 500 calls per request;
 *  2. 50 top-ups on one chain mining a block every second: ours (explicit consecutive nonces, one
 *     broadcast batch, receipts polled together) vs waiting for each receipt before the next send.
 * Run: npx tsx bench/keymaster-sweep.bench.ts — starts its own chains, prints markdown tables.
 */
import { Wallet } from 'ethers';
import { sweepBalances, type SweepTarget } from '../src/keymaster/balances.js';
import { quantity, rpcCall } from '../src/keymaster/rpc.js';
import { sendTopUps } from '../src/keymaster/send.js';
import { renderMarkdownTable } from '../src/report/table.js';
import { FUNDED_PRIVATE_KEYS, startChains } from '../test/harness/chains.js';
import { jsonRpcOperation, startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

const LATENCY_MS = 50;
const CHAIN_IDS = [31401, 31402, 31403, 31404, 31405, 31406];
const PAIRS = 1002;
const TOP_UPS = 50;
const rpc = { timeoutMs: 30_000 };

const running = await startChains([...CHAIN_IDS, 31407]);
const proxies: LatencyProxy[] = [];
try {
  for (const chain of running.chains) {
    proxies.push(
      await startLatencyProxy({
        target: chain.url,
        latencyMs: LATENCY_MS,
        operationOf: jsonRpcOperation,
      }),
    );
  }
  const sweepChains = running.chains.slice(0, CHAIN_IDS.length);
  const perChain = Math.ceil(PAIRS / sweepChains.length);
  const targets: SweepTarget[] = sweepChains.map((chain, i) => ({
    network: `chain-${chain.chainId}`,
    chainId: chain.chainId,
    rpcUrl: proxies[i]!.url,
    addresses: Array.from({ length: perChain }, () => Wallet.createRandom().address),
  }));
  // Give a few accounts a balance so both ways have something to agree on.
  const funder = new Wallet(FUNDED_PRIVATE_KEYS[19]!);
  for (const [i, chain] of sweepChains.entries()) {
    for (let n = 0; n < 3; n += 1) {
      const raw = await funder.signTransaction({
        to: targets[i]!.addresses[n],
        value: BigInt(n + 1) * 1000n,
        nonce: n,
        chainId: chain.chainId,
        gasLimit: 21_000n,
        gasPrice: 10n ** 10n,
      });
      await rpcCall(chain.url, { method: 'eth_sendRawTransaction', params: [raw] }, rpc);
    }
  }
  const pairs = targets.reduce((sum, t) => sum + t.addresses.length, 0);

  // 1. Sweep.
  for (const p of proxies) p.reset();
  let started = performance.now();
  const sweeps = await sweepBalances(targets, { timeoutMs: 30_000 });
  const oursMs = performance.now() - started;
  const oursRequests = proxies.reduce((sum, p) => sum + p.requests(), 0);
  if (!sweeps.every((s) => s.ok)) throw new Error('our sweep failed');

  for (const p of proxies) p.reset();
  started = performance.now();
  const naive = new Map<string, bigint>();
  for (const target of targets) {
    for (const address of target.addresses) {
      const wei = quantity(
        await rpcCall(
          target.rpcUrl!,
          { method: 'eth_getBalance', params: [address, 'latest'] },
          rpc,
        ),
        'balance',
      );
      naive.set(`${target.network}:${address.toLowerCase()}`, wei);
    }
  }
  const naiveMs = performance.now() - started;
  const naiveRequests = proxies.reduce((sum, p) => sum + p.requests(), 0);
  for (const sweep of sweeps) {
    for (const [address, reading] of sweep.balances) {
      if (!reading.known || reading.wei !== naive.get(`${sweep.network}:${address}`)) {
        throw new Error(`the two sweeps disagree on ${address} on ${sweep.network}`);
      }
    }
  }
  console.log(
    `Balance sweep: ${pairs} account-chain pairs over ${targets.length} chains, +${LATENCY_MS} ms per HTTP request\n`,
  );
  console.log(
    renderMarkdownTable({
      columns: ['Way', 'HTTP requests', 'Wall time', 'Speed-up'],
      rows: [
        [
          'naive: one eth_getBalance after another',
          String(naiveRequests),
          `${(naiveMs / 1000).toFixed(2)} s`,
          '1×',
        ],
        [
          'Keymaster: batches of at most 100 calls (the default), chains in parallel',
          String(oursRequests),
          `${(oursMs / 1000).toFixed(3)} s`,
          `${Math.round(naiveMs / oursMs)}×`,
        ],
      ],
    }),
  );

  // 1b. The same sweep with batch caps of 10, 100 (the default) and 500 calls per request.
  const capRows: string[][] = [];
  for (const maxBatchSize of [10, 100, 500]) {
    for (const p of proxies) p.reset();
    const capStarted = performance.now();
    const capped = await sweepBalances(targets, { timeoutMs: 30_000, maxBatchSize });
    const capMs = performance.now() - capStarted;
    if (!capped.every((s) => s.ok)) throw new Error(`the sweep capped at ${maxBatchSize} failed`);
    const requests = proxies.reduce((sum, p) => sum + p.requests(), 0);
    capRows.push([
      String(maxBatchSize),
      String(requests),
      `${(capMs / 1000).toFixed(3)} s`,
      `${Math.round(naiveMs / capMs)}×`,
    ]);
  }
  console.log(`\nThe same sweep with maxBatchSize capped (batches of a chain sent in parallel)\n`);
  console.log(
    renderMarkdownTable({
      columns: ['maxBatchSize', 'HTTP requests', 'Wall time', 'Speed-up over naive'],
      rows: capRows,
    }),
  );

  // 2. Top-ups with a block every second.
  const topUpChain = running.chains[CHAIN_IDS.length]!;
  const topUpProxy = proxies[CHAIN_IDS.length]!;
  await rpcCall(topUpChain.url, { method: 'evm_setAutomine', params: [false] }, rpc);
  await rpcCall(topUpChain.url, { method: 'evm_setIntervalMining', params: [1000] }, rpc);
  const fees = { type: 2 as const, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };
  const recipients = () => Array.from({ length: TOP_UPS }, () => Wallet.createRandom().address);

  const oursBank = new Wallet(FUNDED_PRIVATE_KEYS[18]!);
  topUpProxy.reset();
  started = performance.now();
  const ours = await sendTopUps({
    network: 'topups',
    chainId: topUpChain.chainId,
    rpcUrl: topUpProxy.url,
    signer: oursBank,
    fees,
    startNonce: 0,
    transfers: recipients().map((to) => ({ to, amount: 10n ** 15n })),
    rpcTimeoutMs: 30_000,
    receiptTimeoutMs: 120_000,
    pollIntervalMs: 250,
  });
  const oursTopUpMs = performance.now() - started;
  const oursTopUpRequests = topUpProxy.requests();
  if (!ours.every((r) => r.status === 'mined')) throw new Error('not every top-up was mined');
  const oursBlocks = new Set(ours.map((r) => r.blockNumber)).size;

  const naiveBank = new Wallet(FUNDED_PRIVATE_KEYS[17]!);
  topUpProxy.reset();
  started = performance.now();
  const naiveBlocks = new Set<number>();
  let nonce = 0;
  for (const to of recipients()) {
    const raw = await naiveBank.signTransaction({
      to,
      value: 10n ** 15n,
      nonce: nonce++,
      chainId: topUpChain.chainId,
      gasLimit: 21_000n,
      ...fees,
    });
    const hash = await rpcCall(
      topUpProxy.url,
      { method: 'eth_sendRawTransaction', params: [raw] },
      rpc,
    );
    for (;;) {
      const receipt = (await rpcCall(
        topUpProxy.url,
        { method: 'eth_getTransactionReceipt', params: [hash] },
        rpc,
      )) as { blockNumber: string } | null;
      if (receipt) {
        naiveBlocks.add(Number(receipt.blockNumber));
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const naiveTopUpMs = performance.now() - started;
  const naiveTopUpRequests = topUpProxy.requests();
  console.log(
    `\n${TOP_UPS} top-ups on one chain mining a block every second, +${LATENCY_MS} ms per HTTP request\n`,
  );
  console.log(
    renderMarkdownTable({
      columns: ['Way', 'HTTP requests', 'Blocks spanned', 'Wall time'],
      rows: [
        [
          'naive: send, wait for the receipt, next',
          String(naiveTopUpRequests),
          String(naiveBlocks.size),
          `${(naiveTopUpMs / 1000).toFixed(1)} s`,
        ],
        [
          'Keymaster: consecutive nonces, each sent once the node took the previous (no wait for mining), receipts polled together',
          String(oursTopUpRequests),
          String(oursBlocks),
          `${(oursTopUpMs / 1000).toFixed(1)} s`,
        ],
      ],
    }),
  );
} finally {
  await Promise.all(proxies.map((p) => p.stop()));
  await running.stop();
}
