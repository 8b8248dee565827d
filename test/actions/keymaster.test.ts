import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains } from '../harness/emulators.js';
import { runAction } from '../harness/run-action.js';
import { developmentWorkspace } from './workspace.js';
import { keysPlanJsonSchema } from '../../src/report/plan-json.js';

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
    const bank = keysPlanJsonSchema
      .parse(JSON.parse(keys.outputs['keys-json']!))
      .keys.find((k) => k.purpose === 'bank')!.address;
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

  it('rpc-urls: masks each URL and its secret parts before anything else, and hands them on', async () => {
    const secretUrl = 'https://alice:s3cr3t-pass@rpc.example/v2/abcdefghijklmnop1234567890';
    const { ALPHA_RPC_URL: _alpha, BETA_RPC_URL: _beta, ...aws } = env;
    const run = await runAction('keymaster', {
      inputs: {
        environment: 'development',
        mode: 'approved',
        'rpc-urls': `ALPHA_RPC_URL=${secretUrl}\nnot-a-line-with-key=zzzzzzzzsecretzzzz\nBETA_RPC_URL=${env.BETA_RPC_URL!}`,
      },
      workspace,
      env: aws,
    });
    const masked = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::add-mask::'))
      .map((l) => l.slice('::add-mask::'.length));
    for (const part of [
      secretUrl,
      's3cr3t-pass',
      'abcdefghijklmnop1234567890',
      env.BETA_RPC_URL!,
    ]) {
      expect(masked).toContain(part);
    }
    // The masks come before any other line the runner shows.
    const first = run.stdout.split('\n').findIndex((l) => !l.startsWith('::add-mask::'));
    expect(run.stdout.split('\n').slice(first).join('\n')).not.toContain('::add-mask::');
    // A line that is not NAME_RPC_URL=url is named by its number only.
    expect(run.stdout).toContain('line 2 of the rpc-urls input is not NAME_RPC_URL=url');
    expect(run.stdout + run.stderr).not.toContain('zzzzzzzzsecretzzzz');
    // Handed to the later steps of the job (the approved commit's Keymaster).
    expect(run.exported).toMatchObject({
      ALPHA_RPC_URL: secretUrl,
      BETA_RPC_URL: env.BETA_RPC_URL!,
    });
    // Whatever the mode said (no history here to check a commit against), no secret is shown:
    // the runner consumes the ::add-mask:: lines themselves.
    const shown = (run.stdout + run.stderr)
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(shown + run.summary).not.toContain('s3cr3t-pass');
    expect(shown).toContain('::error::');
  });
});
