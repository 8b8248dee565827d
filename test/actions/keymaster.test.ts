import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains } from '../harness/emulators.js';
import { runAction } from '../harness/run-action.js';
import { developmentWorkspace } from './workspace.js';

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (see test/harness/chains.ts). */
const FUNDER = FUNDED_PRIVATE_KEYS[8]!;

let workspace: string;
let env: Record<string, string>;

beforeAll(async () => {
  ({ cwd: workspace, vars: env } = await developmentWorkspace(ACCOUNT));
});

describe('the keymaster action, run as the runner runs it', () => {
  it('check fails while wallets are below lower; top-up funds them; check then passes', async () => {
    const keys = await runAction('provision-keys', {
      inputs: { environment: 'development', mode: 'apply' },
      workspace,
      env,
    });
    expect(keys.exitCode, keys.stdout).toBe(0);
    const bank = (
      JSON.parse(keys.outputs['keys-json']!) as {
        keys: Array<{ purpose: string; address: string }>;
      }
    ).keys.find((k) => k.purpose === 'bank')!.address;
    for (const chain of requireChains()) {
      const funder = new Wallet(
        FUNDER,
        new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true }),
      );
      await (await funder.sendTransaction({ to: bank, value: parseEther('50') })).wait();
      funder.provider!.destroy();
    }

    const check = await runAction('keymaster', {
      inputs: { environment: 'development', mode: 'check' },
      workspace,
      env,
    });
    expect(check.exitCode).toBe(1);
    expect(check.outputs.ok).toBe('false');
    expect(check.outputs['top-ups']).toBe('0');
    expect(check.summary).toContain('funded');
    // RPC URLs (API keys in real ones) are masked before anything else is logged.
    for (const url of [env.ALPHA_RPC_URL!, env.BETA_RPC_URL!]) {
      const lines = check.stdout.split('\n').filter((l) => l.includes(url));
      expect(lines).toEqual([`::add-mask::${url}`]);
    }

    const topUp = await runAction('keymaster', {
      // A Pushgateway that is down must not fail a run whose transfers went out.
      inputs: {
        environment: 'development',
        mode: 'top-up',
        'pushgateway-url': 'http://127.0.0.1:9',
      },
      workspace,
      env,
    });
    expect(topUp.exitCode, topUp.stdout).toBe(0);
    expect(topUp.outputs.ok).toBe('true');
    expect(topUp.stdout).toMatch(/::warning::.*Pushgateway/i);
    expect(topUp.summary).toContain('Sent');
    // Two homes × (3 home roles + 3 replica roles) = 12 wallets, the watcher of each home is one
    // address on both chains but a separate wallet per chain: 12 transfers.
    expect(Number(topUp.outputs['top-ups'])).toBe(12);

    const after = await runAction('keymaster', {
      inputs: { environment: 'development', mode: 'check' },
      workspace,
      env,
    });
    expect(after.exitCode, after.stdout).toBe(0);
    expect(after.outputs['top-ups']).toBe('0');
  }, 120_000);
});
