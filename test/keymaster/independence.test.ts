import { formatEther, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeymasterMetrics } from '../../src/keymaster/service/metrics.js';
import { unitsOf } from '../../src/config/amounts.js';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import type { Chain } from '../harness/chains.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, resolverFor, testEnvironment } from './fixtures.js';
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js';

const FUNDER = KEYMASTER_FUNDER_KEYS[9]!;

describe('chains are independent, and the metrics tell the truth (Hardhat chains)', () => {
  let chains: Chain[];
  let stop: () => Promise<void>;
  const proxies: RpcProxy[] = [];
  beforeAll(async () => {
    ({ chains, stop } = await keymasterChains());
  }, 60_000);
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await stop();
  });

  it("a hanging chain delays only itself: the other chain's top-ups are mined before its own timeout fires", async () => {
    const [a, b] = chains;
    const env = testEnvironment(
      [
        { name: 'alpha', chainId: a!.chainId },
        // Its own timeout and retries, from the file: 3 s, no retry.
        {
          name: 'hung',
          chainId: b!.chainId,
          settings: { rpc: { maxBatchSize: 100, timeoutSeconds: 3, retries: 0 } },
        },
      ],
      { rpcTimeoutSeconds: 30 },
    );
    const { rows, addresses } = agentRows(env, ['relayer']);
    const bank = Wallet.createRandom();
    await fund(a!.url, FUNDER, a!.chainId, [{ to: bank.address, wei: 5n * ETH }]);
    const hanging = await startRpcProxy(b!.url, { hang: true });
    proxies.push(hanging);
    const events: string[] = [];
    const logger = {
      info: (m: string) => events.push(`info ${m}`),
      warn: (m: string) => events.push(`warn ${m}`),
    };
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: { alpha: a!.url, hung: hanging.url },
      pollIntervalMs: 20,
      logger,
    });
    const mined = events.indexOf('info alpha: 1 of 1 top-up(s) mined');
    const timedOut = events.findIndex((e) => e.startsWith('warn hung:'));
    expect(mined).toBeGreaterThanOrEqual(0);
    expect(timedOut).toBeGreaterThan(mined);
    expect(events[timedOut]).toMatch(/did not answer within 3000 ms/);
    // One request, no retry: the file's settings for that network, not the environment's.
    expect(hanging.requests).toBe(1);
    expect(await balanceOf(a!.url, addresses.get('alias/development-alpha-relayer-signer')!)).toBe(
      ETH,
    );
    expect(run.failures.filter((f) => f.kind === 'rpc').map((f) => f.message)).toEqual([
      expect.stringMatching(/^hung: /),
    ]);
  });

  it('a dry run exports the bank balance the chain holds, not the balance after the planned spending', async () => {
    const [a] = chains;
    const env = testEnvironment([{ name: 'alpha', chainId: a!.chainId }]);
    const { rows, addresses } = agentRows(env, ['relayer', 'processor']);
    const bank = Wallet.createRandom();
    await fund(a!.url, FUNDER, a!.chainId, [{ to: bank.address, wei: 7n * ETH }]);
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankAddress: bank.address,
      rpcUrls: { alpha: a!.url },
      dryRun: true,
    });
    expect(run.decisions.every((d) => d.reason === 'funded')).toBe(true);
    const [summary] = run.banks;
    expect(summary!.after).toEqual({ known: true, wei: 7n * ETH });
    expect(summary!.projected! < 5n * ETH).toBe(true);
    const metrics = new KeymasterMetrics(env.name, unitsOf(env));
    metrics.observe(run);
    const chainHolds = formatEther(await balanceOf(a!.url, bank.address));
    expect(await metrics.text()).toMatch(
      new RegExp(
        `nomad_keymaster_bank_balance\\{environment="development",network="alpha"\\} ${Number(chainHolds)}\\n`,
      ),
    );
  });
});
