import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { motoEnv } from '../actions/workspace.js';
import { cli } from '../cli/helpers.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains, requireMotoUrl } from '../harness/emulators.js';
import { clientsFor } from './helpers.js';

/**
 * Decommissioning a network (issue 26 item 4) end to end through the CLI, on moto and the
 * harness chains: the keys of a network removed from the file are `orphaned` rows with their
 * address and the balance left on the network's chain; `--prune` retires them only once drained
 * or abandoned (`keys.abandon`).
 */

const FUNDER = FUNDED_PRIVATE_KEYS[1]!;

interface KeysOut {
  ok: boolean;
  keys: {
    alias: string;
    keyId: string;
    status: string;
    address: string;
    reason?: string;
    orphaned?: {
      balanceWei?: string;
      feeWei?: string;
      balanceUnknown?: string;
      retire: string;
      abandoned: boolean;
      aliased: boolean;
    };
  }[];
}

let motoUrl: string;
let chains: { chainId: number; url: string }[];
beforeAll(() => {
  motoUrl = requireMotoUrl();
  chains = requireChains();
});

const network = (name: string, chainId: number) =>
  `  - { name: ${name}, chainId: ${chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ${name.toUpperCase()}_RPC_URL }\n`;
const funding = (name: string) =>
  `    ${name}:\n      roles:\n        relayer: { lower: '0.5', target: '1' }\n        processor: { lower: '0.5', target: '1' }\n      bank: { reserve: '1', alertBelow: '5' }\n      capPerRun: '20'\n`;

/** A staging file of `accountId` with the given networks (alpha on 31337, beta on 31338). */
function writeFile(dir: string, accountId: string, names: string[], keysExtra = ''): string {
  const ids: Record<string, number> = { alpha: chains[0]!.chainId, beta: chains[1]!.chainId };
  const file = path.join(dir, 'staging.yaml');
  writeFileSync(
    file,
    `environment: staging\naws: { accountId: '${accountId}', region: us-west-2 }\n` +
      `keys:\n  names: [relayer-signer, processor-signer, updater-attestation]\n${keysExtra}` +
      `networks:\n${names.map((n) => network(n, ids[n]!)).join('')}` +
      `keymaster:\n  networks:\n${names.map(funding).join('')}`,
  );
  return file;
}

async function keys(args: string[], env: Record<string, string>): Promise<KeysOut> {
  const run = await cli(['keys', ...args, '--json'], { env });
  expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
  return JSON.parse(run.stdout) as KeysOut;
}

describe('decommissioning a network: orphaned rows and --prune', () => {
  it('lists the removed network’s keys with balances; drain, abandon and --prune retire them', async () => {
    const accountId = nextAccountId();
    const dir = mkdtempSync(path.join(tmpdir(), 'nomad-orphans-'));
    const aws = await motoEnv(motoUrl, accountId);
    const rpc = { ALPHA_RPC_URL: chains[0]!.url, BETA_RPC_URL: chains[1]!.url };
    const env = { ...aws, ...rpc };

    const both = writeFile(dir, accountId, ['alpha', 'beta']);
    const applied = await keys(['apply', '--env', both], env);
    expect(applied.keys.map((k) => k.status)).toEqual(Array(7).fill('created'));
    const row = (alias: string) => applied.keys.find((k) => k.alias === alias)!;
    const betaRelayer = row('alias/staging-beta-relayer-signer');
    const betaProcessor = row('alias/staging-beta-processor-signer');
    const betaAttestation = row('alias/staging-beta-updater-attestation');
    const bank = row('alias/staging-bank');

    // Funds left on beta's relayer and processor wallets, on beta's chain.
    const provider = new JsonRpcProvider(chains[1]!.url, chains[1]!.chainId, {
      staticNetwork: true,
    });
    const funder = new Wallet(FUNDER, provider);
    const nonce = await provider.getTransactionCount(funder.address, 'latest');
    for (const [i, to] of [betaRelayer.address, betaProcessor.address].entries()) {
      await (
        await funder.sendTransaction({ to, value: parseEther('0.25'), nonce: nonce + i })
      ).wait();
    }

    // beta leaves the file: its three keys are orphaned rows, with address and balance.
    const alphaOnly = writeFile(dir, accountId, ['alpha']);
    const plan = await keys(['plan', '--env', alphaOnly], env);
    expect(plan.ok).toBe(true);
    const orphaned = plan.keys.filter((k) => k.status === 'orphaned');
    expect(orphaned.map((k) => k.alias).sort()).toEqual([
      'alias/staging-beta-processor-signer',
      'alias/staging-beta-relayer-signer',
      'alias/staging-beta-updater-attestation',
    ]);
    const relayerRow = orphaned.find((k) => k.keyId === betaRelayer.keyId)!;
    expect(relayerRow.address).toBe(betaRelayer.address);
    expect(relayerRow.orphaned).toMatchObject({
      aliased: true,
      balanceWei: parseEther('0.25').toString(),
      retire: 'not-drained',
    });
    expect(BigInt(relayerRow.orphaned!.feeWei!)).toBeGreaterThan(0n);
    expect(relayerRow.reason).toContain('keys drain');
    expect(plan.keys.filter((k) => k.status === 'exists')).toHaveLength(4);
    const table = await cli(['keys', 'plan', '--env', alphaOnly], { env });
    expect(table.stdout).toContain('3 orphaned');
    expect(table.stdout).toContain(`ORPHANED ${betaRelayer.keyId}`);

    // Without beta's RPC the balance is unknown, never zero.
    const blind = await keys(['plan', '--env', alphaOnly], {
      ...aws,
      ALPHA_RPC_URL: rpc.ALPHA_RPC_URL,
    });
    const blindRow = blind.keys.find((k) => k.keyId === betaRelayer.keyId)!;
    expect(blindRow.orphaned?.balanceWei).toBeUndefined();
    expect(blindRow.orphaned?.balanceUnknown).toContain('network not in the file');

    // --prune: the attestation key (no funds) is retired, the funded signer keys are not.
    const { kms } = await clientsFor(motoUrl, accountId, 'us-west-2');
    const stateOf = async (keyId: string) =>
      (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
    const pruned = await keys(['apply', '--env', alphaOnly, '--prune'], env);
    expect(await stateOf(betaAttestation.keyId)).toBe('PendingDeletion');
    expect(await stateOf(betaRelayer.keyId)).toBe('Enabled');
    expect(await stateOf(betaProcessor.keyId)).toBe('Enabled');
    expect(pruned.keys.find((k) => k.keyId === betaAttestation.keyId)?.status).toBe('scheduled');
    expect(pruned.keys.find((k) => k.keyId === betaRelayer.keyId)?.status).toBe('orphaned');

    // keys drain: refused for a key keys.drain does not declare, and for an agent key of the file.
    const drain = (file: string, key: string) =>
      cli(['keys', 'drain', '--env', file, '--key', key, '--to', 'bank', '--json'], { env });
    expect((await drain(alphaOnly, betaRelayer.alias)).code).toBe(2);
    const declared = writeFile(dir, accountId, ['alpha'], '  drain: [beta/relayer-signer]\n');
    expect((await drain(declared, 'alias/staging-alpha-relayer-signer')).code).toBe(2);
    // Declared: the balance less the fee goes to the bank.
    // Straight from the node: ethers caches the block a balance is read at.
    const balanceOf = async (address: string) =>
      BigInt((await provider.send('eth_getBalance', [address, 'latest'])) as string);
    const bankBefore = await balanceOf(bank.address);
    const drained = await drain(declared, betaRelayer.alias);
    expect(drained.code, drained.stderr).toBe(0);
    const result = JSON.parse(drained.stdout) as { status: string; amount: string; maxFee: string };
    expect(result.status).toBe('sent');
    expect(BigInt(result.amount) + BigInt(result.maxFee)).toBe(parseEther('0.25'));
    expect((await balanceOf(bank.address)) - bankBefore).toBe(BigInt(result.amount));
    expect(await balanceOf(betaRelayer.address)).toBeLessThanOrEqual(BigInt(result.maxFee));

    // Drained: --prune retires it; the processor still holds funds and stays.
    const afterDrain = await keys(['plan', '--env', declared, '--prune'], env);
    expect(afterDrain.keys.find((k) => k.keyId === betaRelayer.keyId)?.orphaned?.retire).toBe(
      'ready',
    );
    await keys(['apply', '--env', declared, '--prune'], env);
    expect(await stateOf(betaRelayer.keyId)).toBe('PendingDeletion');
    expect(await stateOf(betaProcessor.keyId)).toBe('Enabled');

    // The file abandons beta: --prune retires the processor key with its funds.
    const abandoned = writeFile(dir, accountId, ['alpha'], '  abandon: [beta]\n');
    const planAbandon = await keys(['plan', '--env', abandoned, '--prune'], env);
    const abandonRow = planAbandon.keys.find((k) => k.keyId === betaProcessor.keyId)!;
    expect(abandonRow.orphaned).toMatchObject({ abandoned: true, retire: 'ready' });
    await keys(['apply', '--env', abandoned, '--prune'], env);
    expect(await stateOf(betaProcessor.keyId)).toBe('PendingDeletion');
    // Every key of alpha, and the bank, is untouched.
    for (const k of applied.keys.filter((r) => !r.alias.includes('-beta-'))) {
      expect(await stateOf(k.keyId)).toBe('Enabled');
    }
    const after = await keys(['plan', '--env', abandoned], env);
    expect(
      after.keys.filter((k) => k.status === 'orphaned').map((k) => k.orphaned?.retire),
    ).toEqual(['pending-deletion', 'pending-deletion', 'pending-deletion']);
  }, 240_000);
});
