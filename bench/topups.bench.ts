/**
 * 50 top-ups on one chain mining a block every second, +50 ms per request: how many blocks until
 * all are mined, beside what a competent engineer writes with ethers v6 (explicit consecutive
 * nonces, `Promise.all` over `wallet.sendTransaction`, then `Promise.all` over `tx.wait()`; fast,
 * but a refused nonce leaves the later ones queued behind a hole: the unsafe way the Keymaster must
 * not take). The chain runs in its own process behind the latency proxy.
 *
 *   npm run bench -- topups [--quick] [--runs N]
 */
import { JsonRpcProvider, Wallet, getAddress, hexlify, randomBytes } from 'ethers';
import { sendTopUps } from '../src/keymaster/send/send.js';
import { FUNDED_PRIVATE_KEYS } from '../test/harness/chains.js';
import { rpc, startBenchChains, type BenchChain } from './support/chains.js';
import {
  benchOptions,
  heading,
  spread,
  summarize,
  table,
  targetLine,
  type Summary,
} from './support/common.js';

const LATENCY_MS = 50;
const BLOCK_MS = 1000;
const TOP_UPS = 50;
const CHAIN_ID = 31407;
const fees = { type: 2 as const, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };
const recipients = () =>
  Array.from({ length: TOP_UPS }, () => getAddress(hexlify(randomBytes(20))));

interface Run {
  ms: number;
  blocks: number;
  requests: number;
}

async function pendingNonce(chain: BenchChain, address: string): Promise<number> {
  return Number(await rpc(chain.direct, 'eth_getTransactionCount', [address, 'pending']));
}

async function ours(chain: BenchChain, bank: Wallet): Promise<Run> {
  const startNonce = await pendingNonce(chain, bank.address);
  chain.proxy.reset();
  const started = performance.now();
  const results = await sendTopUps({
    network: 'topups',
    chainId: CHAIN_ID,
    rpcUrl: chain.proxy.url,
    signer: bank,
    fees,
    startNonce,
    transfers: recipients().map((to) => ({ to, amount: 10n ** 15n })),
    rpcTimeoutMs: 30_000,
    receiptTimeoutMs: 120_000,
    pollIntervalMs: 250,
  });
  const ms = performance.now() - started;
  if (!results.every((r) => r.status === 'mined')) {
    throw new Error(`not every top-up was mined: ${results.map((r) => r.status).join(', ')}`);
  }
  return {
    ms,
    blocks: new Set(results.map((r) => r.blockNumber)).size,
    requests: chain.proxy.requests(),
  };
}

async function withEthers(chain: BenchChain, key: string): Promise<Run> {
  const startNonce = await pendingNonce(chain, new Wallet(key).address);
  chain.proxy.reset();
  const started = performance.now();
  const provider = new JsonRpcProvider(chain.proxy.url, CHAIN_ID, { staticNetwork: true });
  provider.pollingInterval = 250;
  const wallet = new Wallet(key, provider);
  try {
    const sent = await Promise.all(
      recipients().map((to, i) =>
        wallet.sendTransaction({
          to,
          value: 10n ** 15n,
          nonce: startNonce + i,
          gasLimit: 21_000n,
          chainId: CHAIN_ID,
          ...fees,
        }),
      ),
    );
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    const ms = performance.now() - started;
    return {
      ms,
      blocks: new Set(receipts.map((r) => r!.blockNumber)).size,
      requests: chain.proxy.requests(),
    };
  } finally {
    provider.destroy();
  }
}

async function main() {
  const options = benchOptions();
  const runs = options.quick ? 1 : Math.min(options.runs, 3);
  const chains = await startBenchChains([CHAIN_ID], LATENCY_MS);
  const chain = chains.chains[0]!;
  const measured: Record<'ethers' | 'ours', Run[]> = { ethers: [], ours: [] };
  try {
    await rpc(chain.direct, 'evm_setAutomine', [false]);
    await rpc(chain.direct, 'evm_setIntervalMining', [BLOCK_MS]);
    const bank = new Wallet(FUNDED_PRIVATE_KEYS[18]!);
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        measured.ours.push(await ours(chain, bank));
        measured.ethers.push(await withEthers(chain, FUNDED_PRIVATE_KEYS[17]!));
      } else {
        measured.ethers.push(await withEthers(chain, FUNDED_PRIVATE_KEYS[17]!));
        measured.ours.push(await ours(chain, bank));
      }
    }
  } finally {
    await chains.stop();
  }

  heading(
    `${TOP_UPS} top-ups, a block every ${BLOCK_MS / 1000} s, +${LATENCY_MS} ms per request`,
    { ...options, runs },
    '`bench/topups.bench.ts`: one Hardhat EDR chain in its own process mining a block every second ' +
      `(automine off), behind a proxy adding ${LATENCY_MS} ms per HTTP request. Blocks spanned = distinct ` +
      'blocks the transfers were mined in; wall time from the first request to the last receipt.',
  );
  const blocks = (rs: Run[]): Summary => summarize(rs.map((r) => r.blocks));
  const rows = [
    [
      'ethers v6: Promise.all(sendTransaction) with consecutive nonces, then Promise.all(wait()) (unsafe: a refused nonce leaves a hole)',
      measured.ethers,
    ],
    ["ours: the Keymaster's sendTopUps", measured.ours],
  ] as const;
  console.log(
    table(
      ['way', 'HTTP requests', 'blocks spanned', 'wall time', 'bound'],
      rows.map(([label, rs]) => [
        label,
        String(rs.at(-1)!.requests),
        spread(blocks(rs), (n) => n.toFixed(0)),
        spread(summarize(rs.map((r) => r.ms))),
        '1 block',
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(
    `\nBound: every transfer in the next block (1 block; at most ${BLOCK_MS / 1000} s + a few round trips of wall time).\n`,
  );
  const worst = blocks(measured.ours).max;
  console.log(
    targetLine('all 50 mined within 2 blocks', worst <= 2, `${worst} blocks in the worst run`),
  );
}

await main();
