import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeymaster } from '../../src/keymaster/run/run.js';
import { rpcUrlsFromEnv } from '../../src/keymaster/rpc/url.js';
import { type KeymasterRun } from '../../src/keymaster/types.js';
import { unitsOf } from '../../src/config/amounts.js';
import { renderRunConsole, renderRunMarkdown } from '../../src/keymaster/run/render.js';
import type { Chain } from '../harness/chains.js';
import { balanceOf, fund, keymasterChains, KEYMASTER_FUNDER_KEYS } from './chains.js';
import { agentRows, ETH, resolverFor, testEnvironment } from './fixtures.js';
import { closedPortUrl, startRpcProxy, type RpcProxy } from './rpc-proxy.js';
import { nullTipNoBlockNumber, tamperingFetch } from './tamper.js';

const FUNDER = KEYMASTER_FUNDER_KEYS[3]!;

function feesOf(run: KeymasterRun, network: string): bigint {
  return run.sent.filter((t) => t.network === network).reduce((sum, t) => sum + (t.fee ?? 0n), 0n);
}

describe('runKeymaster (Hardhat chains)', () => {
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

  async function setup(bankWei: bigint, settings = {}) {
    const [a, b] = chains;
    const env = testEnvironment([
      { name: 'alpha', chainId: a!.chainId, settings },
      { name: 'beta', chainId: b!.chainId, settings },
    ]);
    const { rows, addresses } = agentRows(env, ['updater', 'relayer', 'processor', 'watcher']);
    const bank = Wallet.createRandom();
    for (const chain of [a!, b!]) {
      await fund(chain.url, FUNDER, chain.chainId, [{ to: bank.address, wei: bankWei }]);
    }
    return { env, rows, addresses, bank, urls: { alpha: a!.url, beta: b!.url } };
  }

  it('tops up wallets below lower to exactly target, leaves the others, charges the bank amounts + fees; a second run sends nothing', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    const [a, b] = chains;
    const addr = (network: string, role: string) =>
      addresses.get(`alias/development-${network}-${role}-signer`)!;
    // alpha: updater empty, relayer just below lower, processor between lower and target, watcher above target.
    await fund(a!.url, FUNDER, a!.chainId, [
      { to: addr('alpha', 'relayer'), wei: ETH / 2n - 1n },
      { to: addr('alpha', 'processor'), wei: (3n * ETH) / 4n },
      { to: addr('alpha', 'watcher'), wei: ETH },
    ]);
    await fund(b!.url, FUNDER, b!.chainId, [{ to: addr('beta', 'processor'), wei: ETH / 2n }]);

    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      pollIntervalMs: 20,
    });
    expect(run.failures).toEqual([]);
    expect(run.ok).toBe(true);
    const reasons = Object.fromEntries(
      run.decisions.map((d) => [`${d.network} ${d.roles.join('+')}`, d.reason]),
    );
    expect(reasons).toEqual({
      'alpha updater': 'funded',
      'alpha relayer': 'funded',
      'alpha processor': 'healthy',
      'alpha watcher': 'healthy',
      'beta updater': 'funded',
      'beta relayer': 'funded',
      'beta processor': 'healthy', // exactly at lower
      'beta watcher': 'funded',
    });
    expect(run.sent.every((t) => t.status === 'mined')).toBe(true);
    expect(await balanceOf(a!.url, addr('alpha', 'updater'))).toBe(ETH);
    expect(await balanceOf(a!.url, addr('alpha', 'relayer'))).toBe(ETH);
    expect(await balanceOf(a!.url, addr('alpha', 'processor'))).toBe((3n * ETH) / 4n);
    expect(await balanceOf(a!.url, addr('alpha', 'watcher'))).toBe(ETH);
    expect(await balanceOf(b!.url, addr('beta', 'watcher'))).toBe(ETH / 2n);
    for (const [network, url] of Object.entries(urls)) {
      const paid = run.sent.filter((t) => t.network === network).reduce((s, t) => s + t.amount, 0n);
      expect(await balanceOf(url, bank.address)).toBe(10n * ETH - paid - feesOf(run, network));
    }
    const after = run.after.find((r) => r.address === addr('alpha', 'updater'));
    expect(after?.balance).toEqual({ known: true, wei: ETH });

    const second = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      pollIntervalMs: 20,
    });
    expect(second.sent).toEqual([]);
    expect(second.decisions.every((d) => d.reason === 'healthy')).toBe(true);
    expect(second.ok).toBe(true);
  });

  it('dry run: sends nothing and plans what a real run then does', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    const options = {
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      pollIntervalMs: 20,
    };
    const dry = await runKeymaster({ ...options, dryRun: true });
    expect(dry.sent).toEqual([]);
    expect(dry.dryRun).toBe(true);
    for (const url of Object.values(urls))
      expect(await balanceOf(url, bank.address)).toBe(10n * ETH);
    expect(dry.decisions.filter((d) => d.reason === 'funded')).toHaveLength(rows.length);
    // Without a signer, the bank's address is enough to plan.
    const addressOnly = await runKeymaster({
      ...options,
      bankSigner: undefined,
      bankAddress: bank.address,
      dryRun: true,
    });
    const real = await runKeymaster(options);
    const plan = (run: KeymasterRun) =>
      run.decisions.map((d) => [d.network, d.address, d.reason, d.amount]);
    expect(plan(addressOnly)).toEqual(plan(dry));
    expect(plan(real)).toEqual(plan(dry));
    expect(real.sent).toHaveLength(rows.length);
    const text = renderRunConsole(dry, unitsOf(env));
    expect(text).toContain('Plan (dry run: nothing sent)');
    expect(text).toContain('1.0 ETH');
    expect(renderRunMarkdown(dry, unitsOf(env))).toMatch(/^## Keymaster development: ok/);
  });

  it('a bank that cannot pay everyone pays the most urgent first down to its reserve, reports the rest, not ok', async () => {
    // alpha needs 1 + 1 + 1 + 0.5; the bank has 1 (reserve) + 2.2 + fees: two full top-ups fit.
    const { env, rows, addresses, bank, urls } = await setup((32n * ETH) / 10n);
    const [a] = chains;
    const addr = (role: string) => addresses.get(`alias/development-alpha-${role}-signer`)!;
    // Relative to lower: watcher 0.1/0.2 = 0.5, relayer 0.4/0.5 = 0.8, updater 0, processor 0.
    await fund(a!.url, FUNDER, a!.chainId, [
      { to: addr('watcher'), wei: ETH / 10n },
      { to: addr('relayer'), wei: (4n * ETH) / 10n },
    ]);
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      networks: ['alpha'],
      pollIntervalMs: 20,
    });
    const byRole = Object.fromEntries(run.decisions.map((d) => [d.roles[0], d]));
    expect(byRole.updater?.reason).toBe('funded');
    expect(byRole.processor?.reason).toBe('funded');
    expect(byRole.watcher?.reason).toBe('bank-too-low');
    expect(byRole.relayer?.reason).toBe('bank-too-low');
    expect(run.ok).toBe(false);
    expect(run.bankLow).toBe(true);
    expect(
      run.failures
        .filter((f) => f.kind === 'unfunded')
        .map((f) => f.address)
        .sort(),
    ).toEqual([addr('watcher'), addr('relayer')].sort());
    expect(await balanceOf(a!.url, addr('watcher'))).toBe(ETH / 10n);
    expect(await balanceOf(a!.url, bank.address)).toBeGreaterThanOrEqual(ETH);
    expect(run.banks[0]?.after).toEqual({
      known: true,
      wei: await balanceOf(a!.url, bank.address),
    });
  });

  it('one chain down and one hanging: the live chain is funded within the timeout, the others reported, nothing taken as zero', async () => {
    const [a, b] = chains;
    const env = testEnvironment(
      [
        { name: 'alpha', chainId: a!.chainId },
        { name: 'down', chainId: b!.chainId },
        { name: 'hung', chainId: b!.chainId },
      ],
      { rpcTimeoutSeconds: 1 },
    );
    const { rows, addresses } = agentRows(env, ['relayer']);
    const bank = Wallet.createRandom();
    await fund(a!.url, FUNDER, a!.chainId, [{ to: bank.address, wei: 5n * ETH }]);
    const hanging = await startRpcProxy(b!.url, { hang: true });
    proxies.push(hanging);
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: { alpha: a!.url, down: await closedPortUrl(), hung: hanging.url },
      retries: 1,
      retryDelayMs: 10,
      pollIntervalMs: 20,
    });
    // Each dead chain was tried twice (one retry) and no more: counted below, not timed.
    expect(hanging.requests).toBe(2);
    const relayer = (network: string) =>
      addresses.get(`alias/development-${network}-relayer-signer`)!;
    expect(await balanceOf(a!.url, relayer('alpha'))).toBe(ETH);
    for (const dead of ['down', 'hung']) {
      expect(run.failures.some((f) => f.kind === 'rpc' && f.network === dead)).toBe(true);
      expect(run.decisions.find((d) => d.network === dead)).toMatchObject({
        reason: 'balance-unknown',
        amount: 0n,
      });
      expect(run.before.find((r) => r.network === dead)?.balance.known).toBe(false);
      expect(run.rpcErrors.filter((e) => e.network === dead)).toEqual([
        { network: dead, method: 'batch' },
        { network: dead, method: 'batch' },
      ]);
    }
    expect(run.sent.map((t) => t.network)).toEqual(['alpha']);
    expect(run.ok).toBe(false);
  });

  it('refuses to send with a signer that is not the bank', async () => {
    const { env, rows, addresses, bank, urls } = await setup(5n * ETH);
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: Wallet.createRandom(),
      bankAddress: bank.address,
      rpcUrls: urls,
    });
    expect(run.sent).toEqual([]);
    expect(run.failures.filter((f) => f.kind === 'signer')).toHaveLength(2);
    expect(run.banks.map((b) => b.after)).toEqual(run.banks.map((b) => b.before));
  });

  it('reports a key whose address cannot be resolved and funds the rest', async () => {
    const { env, rows, addresses, bank, urls } = await setup(5n * ETH);
    addresses.delete('alias/development-alpha-relayer-signer');
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      networks: ['alpha'],
      pollIntervalMs: 20,
    });
    expect(run.failures).toEqual([
      expect.objectContaining({ kind: 'address', alias: 'alias/development-alpha-relayer-signer' }),
    ]);
    expect(run.sent).toHaveLength(3);
  });

  it('reads RPC URLs from the variables the environment names, and names the missing one', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    const rpcUrls = rpcUrlsFromEnv(env, { ALPHA_RPC_URL: ` ${urls.alpha} `, BETA_RPC_URL: '' });
    expect(rpcUrls).toEqual({ alpha: urls.alpha, beta: undefined });
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankAddress: bank.address,
      rpcUrls,
      dryRun: true,
    });
    expect(run.failures).toEqual([
      {
        kind: 'rpc',
        network: 'beta',
        message: 'the RPC URL of beta is missing: set the environment variable BETA_RPC_URL',
      },
    ]);
    expect(
      run.decisions.filter((d) => d.network === 'alpha').every((d) => d.reason === 'funded'),
    ).toBe(true);
    expect(
      run.decisions
        .filter((d) => d.network === 'beta')
        .every((d) => d.reason === 'balance-unknown'),
    ).toBe(true);
  });

  it('a URL without a scheme is a configuration error naming the variable, never "could not be reached", and never quoted', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    const withoutScheme = `${urls.beta!.replace(/^http:\/\//, '')}/secret-key`;
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankAddress: bank.address,
      rpcUrls: { alpha: urls.alpha, beta: withoutScheme },
      dryRun: true,
    });
    expect(run.failures).toEqual([
      {
        kind: 'config',
        network: 'beta',
        message: expect.stringMatching(
          /^beta: the environment variable BETA_RPC_URL does not hold an http:\/\/ or https:\/\/ URL \(it has no scheme/,
        ),
      },
    ]);
    expect(JSON.stringify(run.failures)).not.toContain('secret-key');
    expect(
      run.decisions.filter((d) => d.network === 'alpha').every((d) => d.reason === 'funded'),
    ).toBe(true);
  });

  it('a node answering null for the tip and a block without a number does not stop the run: both chains are funded, the odd one with the default tip', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    const run = await runKeymaster({
      env,
      rows,
      resolveAddress: resolverFor(addresses),
      bankSigner: bank,
      rpcUrls: urls,
      fetch: tamperingFetch(urls.alpha, nullTipNoBlockNumber),
      pollIntervalMs: 20,
    });
    expect(run.failures).toEqual([]);
    expect(run.sent).toHaveLength(rows.length);
    expect(run.sent.every((t) => t.status === 'mined')).toBe(true);
    for (const row of rows) {
      const url = urls[row.network as 'alpha' | 'beta'];
      expect(await balanceOf(url, addresses.get(row.alias!)!)).toBe(row.target);
    }
    expect(run.rpcErrors).toEqual(
      expect.arrayContaining([{ network: 'alpha', method: 'eth_maxPriorityFeePerGas' }]),
    );
    expect(run.rpcErrors.some((e) => e.network === 'beta')).toBe(false);
  });

  it('an extra account with a bad checksum is reported as a config failure; the others are planned', async () => {
    const { env, rows, addresses, bank, urls } = await setup(10n * ETH);
    // EIP-55's own example: lower-casing one of its capital letters leaves a mixed-case
    // address whose checksum no longer matches (a random address can have a single capital,
    // and flipping that one gives an all-lower-case address, which is valid).
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const badChecksum = '0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const extra = (label: string, address: string) => ({
      network: 'alpha',
      chainId: env.networks[0]!.chainId,
      home: 'alpha',
      role: 'extra' as const,
      label,
      address,
      lower: ETH / 2n,
      target: ETH,
    });
    const run = await runKeymaster({
      env,
      rows: [...rows, extra('bad extra', badChecksum), extra('good extra', good.toLowerCase())],
      resolveAddress: resolverFor(addresses),
      bankAddress: bank.address,
      rpcUrls: urls,
      dryRun: true,
    });
    expect(run.failures).toEqual([
      {
        kind: 'config',
        network: 'alpha',
        message: expect.stringContaining(
          `funding row "bad extra" has an invalid address "${badChecksum}"`,
        ),
      },
    ]);
    expect(run.decisions.map((d) => d.address)).toContain(good);
    expect(run.decisions.filter((d) => d.reason === 'funded')).toHaveLength(rows.length + 1);
  });
});
