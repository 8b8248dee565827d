/**
 * `nomad-ops keymaster ledger` on moto and the harness chains: three Keymaster runs with top-ups
 * on two chains; the ledger's totals equal what the chains say was sent and paid in fees, and
 * `--verify` flags a record whose transaction was altered.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { stateBucketName } from '../../src/inventory/keymaster-state.js';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { keysJob } from '../../src/jobs/keys.js';
import { recordKey } from '../../src/keymaster/state/ledger.js';
import { rpcCall } from '../../src/keymaster/rpc/rpc.js';
import type { TxResult } from '../../src/keymaster/types.js';
import { cli } from '../cli/helpers.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { requireChains } from '../harness/emulators.js';
import { bench, nonceOf, records } from './state-bench.js';

/** This file's funding key on the shared chains (unused by every other file). */
const FUNDER = FUNDED_PRIVATE_KEYS[2]!;

interface Totals {
  network: string;
  topUps: number;
  sentWei: string;
  feesWei: string;
  sent: string;
}

async function fromChain(url: string, hash: string): Promise<{ value: bigint; fee: bigint }> {
  const tx = (await rpcCall(
    url,
    { method: 'eth_getTransactionByHash', params: [hash] },
    { timeoutMs: 5000 },
  )) as { value: string };
  const receipt = (await rpcCall(
    url,
    { method: 'eth_getTransactionReceipt', params: [hash] },
    { timeoutMs: 5000 },
  )) as { gasUsed: string; effectiveGasPrice: string };
  return {
    value: BigInt(tx.value),
    fee: BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice),
  };
}

describe('keymaster ledger', () => {
  it('totals three runs on two chains as the chains do; --verify flags an altered record', async () => {
    const b = await bench(FUNDER);
    const file = path.join(b.cwd, 'environments/development.yaml');
    const sent: TxResult[] = [];
    // Three approved settings, each raising the updater's bounds: every run tops it up.
    for (const [lower, target] of [
      ['0.5', '1'],
      ['1.5', '2'],
      ['2.5', '3'],
    ]) {
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          /updater: \{ lower: '[\d.]+', target: '[\d.]+' \}/,
          `updater: { lower: '${lower}', target: '${target}' }`,
        ),
      );
      const env = loadEnvironment('development', b.cwd);
      const clients = await awsForEnvironment(env, b.vars);
      expect((await keysJob(env, clients, 'apply', { commit: 'd'.repeat(40) })).ok).toBe(true);
      const run = await keymasterJob(env, clients, b.vars).runOnce({ dryRun: false });
      expect(run.failures).toEqual([]);
      expect(run.sent.length).toBeGreaterThan(0);
      sent.push(...run.sent);
    }
    const chains = requireChains();
    expect(new Set(sent.map((t) => t.chainId)).size).toBe(2);

    // One record per transaction the bank made, found by a plain read of the bucket.
    const written = await records(b.objects);
    for (const chain of chains) {
      expect(written.filter((r) => r.chainId === chain.chainId)).toHaveLength(
        await nonceOf(chain.url, b.bank),
      );
    }

    const listed = await cli(['keymaster', 'ledger', '--env', 'development', '--json'], {
      cwd: b.cwd,
      env: b.vars,
    });
    expect(listed.code, listed.stderr).toBe(0);
    const report = JSON.parse(listed.stdout) as {
      records: number;
      summary: { totals: Totals[] };
    };
    expect(report.records).toBe(sent.length);
    const network = (chainId: number) => b.env.networks.find((n) => n.chainId === chainId)!.name;
    for (const chain of chains) {
      let value = 0n;
      let fee = 0n;
      const onChain = sent.filter((t) => t.chainId === chain.chainId);
      for (const t of onChain) {
        const read = await fromChain(chain.url, t.hash!);
        value += read.value;
        fee += read.fee;
      }
      const total = report.summary.totals.find((t) => t.network === network(chain.chainId))!;
      expect(total).toMatchObject({
        topUps: onChain.length,
        sentWei: value.toString(),
        feesWei: fee.toString(),
      });
      expect(total.sent).toMatch(/ ETH$/);
    }

    const byRole = await cli(
      ['keymaster', 'ledger', '--env', 'development', '--by', 'role', '--csv'],
      { cwd: b.cwd, env: b.vars },
    );
    expect(byRole.code, byRole.stderr).toBe(0);
    expect(byRole.stdout.split('\n')[0]).toBe('network,role,top_ups,sent,sent_wei,fees,fees_wei');
    // The updater was topped up in each of the three runs, on each chain.
    expect(byRole.stdout).toMatch(/^alpha,updater,3,/m);

    const clean = await cli(['keymaster', 'ledger', '--env', 'development', '--verify', '--json'], {
      cwd: b.cwd,
      env: b.vars,
    });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ verified: sent.length, problems: [] });

    // Someone with more rights than the Keymaster rewrites one record: a larger amount.
    const victim = written[0]!;
    const key = recordKey(victim.chainId, victim.txHash);
    await b.clients.s3.send(
      new PutObjectCommand({
        Bucket: stateBucketName(b.env),
        Key: key,
        Body: JSON.stringify({ ...victim, amountWei: (BigInt(victim.amountWei) + 1n).toString() }),
      }),
    );
    const altered = await cli(
      ['keymaster', 'ledger', '--env', 'development', '--verify', '--json'],
      { cwd: b.cwd, env: b.vars },
    );
    expect(altered.code).toBe(1);
    const problems = (JSON.parse(altered.stdout) as { problems: Array<Record<string, unknown>> })
      .problems;
    expect(problems).toEqual([
      {
        key,
        txHash: victim.txHash,
        problems: [
          `amountWei: recorded ${BigInt(victim.amountWei) + 1n}, chain ${victim.amountWei}`,
        ],
      },
    ]);

    const bad = await cli(['keymaster', 'ledger', '--env', 'development', '--since', 'lately'], {
      cwd: b.cwd,
      env: b.vars,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since lately/);
  }, 180_000);
});
