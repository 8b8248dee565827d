/**
 * Issue 26, done-when: after an agent key's switch, the Keymaster funds the new address. Agents
 * and the Keymaster address keys by alias, so nothing but the alias moves; this proves the run
 * reads the address through the moved alias (moto + a harness chain, through the jobs the CLI
 * and the actions run).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatefulRun } from '../../src/jobs/keymaster-state.js';
import { bucketJob } from '../../src/jobs/iam.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { keysJob } from '../../src/jobs/keys.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import {
  bucketSuffix,
  motoEnv,
  nextAccountId,
  requireChains,
  requireMotoUrl,
} from '../harness/emulators.js';
import { balanceOf } from '../keymaster/chains.js';

const ETH = 10n ** 18n;
const RELAYER = 'alias/staging-alpha-relayer-signer';

function stagingFile(account: string, rotation?: 'staged' | 'switched'): string {
  const [a, b] = requireChains();
  return `environment: staging
aws: { accountId: '${account}', region: us-west-2 }
keys:
  names: [relayer-signer]
  gracePeriodDays: 7
${rotation ? `  rotate:\n    - { key: alpha/relayer-signer, state: ${rotation}, reason: operator left }\n` : ''}networks:
  - { name: alpha, chainId: ${a!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ALPHA_RPC_URL }
  - { name: beta, chainId: ${b!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: BETA_RPC_URL }
keymaster:
  networks:
    alpha: &net
      roles:
        relayer: { lower: '0.5', target: '1' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
    beta: *net
proofsBucket:
  name: nomadxyz-staging-proofs-${bucketSuffix(account)}
`;
}

async function setBalance(url: string, address: string, wei: bigint): Promise<void> {
  await rpcCall(
    url,
    { method: 'hardhat_setBalance', params: [address, `0x${wei.toString(16)}`] },
    { timeoutMs: 5000 },
  );
}

describe('an agent key rotation, seen by the Keymaster', () => {
  it('funds the old address before the switch and the new one after it, never the old again', async () => {
    const [a, b] = requireChains();
    const account = nextAccountId();
    const cwd = mkdtempSync(path.join(tmpdir(), 'nomad-agent-rotation-'));
    mkdirSync(path.join(cwd, 'environments'));
    const file = path.join(cwd, 'environments/staging.yaml');
    const vars = {
      ...(await motoEnv(requireMotoUrl(), account)),
      ALPHA_RPC_URL: a!.url,
      BETA_RPC_URL: b!.url,
    };
    const apply = async (rotation: 'staged' | 'switched' | undefined, commit: string) => {
      writeFileSync(file, stagingFile(account, rotation));
      const env = loadEnvironment('staging', cwd);
      const clients = await awsForEnvironment(env, vars);
      const applied = await keysJob(env, clients, 'apply', { commit: commit.repeat(40) });
      expect(applied.ok).toBe(true);
      return { env, clients, applied };
    };
    const pay = async (
      env: Awaited<ReturnType<typeof apply>>['env'],
      clients: Awaited<ReturnType<typeof apply>>['clients'],
    ) => {
      const run = (await keymasterJob(env, clients, vars).runOnce({
        dryRun: false,
      })) as StatefulRun;
      expect(run.failures).toEqual([]);
      return run;
    };

    const first = await apply(undefined, 'a');
    expect((await bucketJob(first.env, first.clients, 'apply')).result.ok).toBe(true);
    const bank = first.applied.json.keys.find((k) => k.purpose === 'bank')!.address;
    const oldAddress = first.applied.json.keys.find((k) => k.alias === RELAYER)!.address;
    await setBalance(a!.url, bank, 50n * ETH);
    await setBalance(b!.url, bank, 50n * ETH);
    // The alpha relayer relays to alpha's replicas: its wallet is on beta.
    const paidTo = (run: StatefulRun, address: string) =>
      run.sent.filter((t) => t.to === address).map((t) => [t.network, t.status]);
    const before = await pay(first.env, first.clients);
    expect(paidTo(before, oldAddress)).toEqual([['beta', 'mined']]);

    await apply('staged', 'b');
    const switched = await apply('switched', 'c');
    // What the alias points at now, as the next plan reads it.
    const plan = await keysJob(switched.env, switched.clients, 'plan');
    const newAddress = plan.json.keys.find((k) => k.alias === RELAYER)?.address;
    expect(newAddress).toBeDefined();
    expect(newAddress).not.toBe(oldAddress);

    // The old wallet is drained below its lower bound: the Keymaster no longer looks at it.
    await setBalance(b!.url, oldAddress, 0n);
    const after = await pay(switched.env, switched.clients);
    expect(paidTo(after, newAddress!)).toEqual([['beta', 'mined']]);
    expect(paidTo(after, oldAddress)).toEqual([]);
    expect(await balanceOf(b!.url, newAddress!)).toBe(ETH);
    expect(await balanceOf(b!.url, oldAddress)).toBe(0n);
  }, 120_000);
});
