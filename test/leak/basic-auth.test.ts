import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { afterAll, describe, expect, it } from 'vitest';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { clearSecrets } from '../../src/redact.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains } from '../harness/emulators.js';
import { startBasicAuthProxy, type BasicAuthProxy } from './basic-auth-proxy.js';

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (see test/harness/chains.ts). */
const FUNDER = FUNDED_PRIVATE_KEYS[5]!;

const proxies: BasicAuthProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  clearSecrets();
});

describe('RPC URLs with user:password@', () => {
  it('fund wallets on the harness chains: the credentials go as a Basic header', async () => {
    const chains = requireChains();
    const { cwd, vars } = await developmentWorkspace(ACCOUNT);
    // A password with characters that must be percent-encoded in a URL.
    for (const chain of chains) {
      proxies.push(await startBasicAuthProxy(chain.url, 'rpc-user', 'p@ss:w0rd/x', '/v1/rpc'));
    }
    vars.ALPHA_RPC_URL = proxies[0]!.urlWithCredentials;
    vars.BETA_RPC_URL = proxies[1]!.urlWithCredentials;

    const env = loadEnvironment('development', cwd);
    const clients = await awsForEnvironment(env, vars);
    const keys = await keysJob(env, clients, 'apply');
    expect(keys.result.ok).toBe(true);
    const bank = keys.json.keys.find((k) => k.purpose === 'bank')!.address;
    for (const chain of chains) {
      const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true });
      const funder = new Wallet(FUNDER, provider);
      await (await funder.sendTransaction({ to: bank, value: parseEther('50') })).wait();
      provider.destroy();
    }

    const job = keymasterJob(env, clients, vars);
    const run = await job.runOnce({ dryRun: false });
    expect(run.failures, job.console(run)).toEqual([]);
    const mined = run.sent.filter((t) => t.status === 'mined');
    expect(new Set(mined.map((t) => t.network))).toEqual(new Set(['alpha', 'beta']));
    expect(run.after.every((row) => row.balance.known && row.balance.wei >= row.lower)).toBe(true);
    for (const proxy of proxies) {
      expect(proxy.accepted).toBeGreaterThan(0);
      expect(proxy.refused).toBe(0);
    }
    const text = job.console(run) + job.json(run);
    expect(text).not.toContain('p@ss:w0rd/x');
    expect(text).not.toContain(encodeURIComponent('p@ss:w0rd/x'));
  }, 90_000);

  it('fail their network, naming the failure and not the password, when the credentials are wrong', async () => {
    const chains = requireChains();
    const { cwd, vars } = await developmentWorkspace(ACCOUNT);
    const proxy = await startBasicAuthProxy(chains[0]!.url, 'rpc-user', 'right-password');
    proxies.push(proxy);
    vars.ALPHA_RPC_URL = proxy.urlWithCredentials.replace('right-password', 'wrong-password');
    const env = loadEnvironment('development', cwd);
    const job = keymasterJob(env, await awsForEnvironment(env, vars), vars);
    const run = await job.runOnce({ dryRun: true });
    const alpha = run.failures.find((f) => f.network === 'alpha' && f.kind === 'rpc');
    expect(alpha?.message).toMatch(/HTTP 401/);
    expect(alpha?.message).toContain('http://127.0.0.1:');
    expect(proxy.refused).toBeGreaterThan(0);
    expect(run.failures.some((f) => f.network === 'beta')).toBe(false);
  }, 60_000);
});
