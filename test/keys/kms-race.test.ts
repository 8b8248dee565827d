import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { keysFor } from '../../src/inventory/keys.js';
import { motoEnv } from '../actions/workspace.js';
import { repoRoot } from '../cli/helpers.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { clientsFor, motoForTest, runKeysRows } from './helpers.js';
import { expectOneKeyPerAlias, kmsState, writesIn } from './kms-state.js';
import { nextAccountId } from '../harness/emulators.js';

/**
 * `nomad-ops keys apply` as real processes (the compiled CLI: `npx tsc -p src` builds lib/) against
 * moto behind the fault proxy: two applies
 * started together, and one killed with SIGKILL between CreateKey and CreateAlias. KMS goes
 * through the proxy by `AWS_ENDPOINT_URL_KMS`, STS straight to moto by `AWS_ENDPOINT_URL`.
 */

let moto: { url: string };
const proxies: FaultProxy[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  moto = await motoForTest();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(proxies.map((p) => p.stop()));
});

/** A staging file with one network and two key names: three keys with the bank. */
function stagingFile(accountId: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-race-'));
  const file = path.join(dir, 'staging.yaml');
  writeFileSync(
    file,
    `environment: staging
aws: { accountId: '${accountId}', region: us-west-2 }
keys: { names: [updater-signer, relayer-signer] }
networks:
  - { name: kovan, chainId: 42, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: KOVAN_RPC_URL }
keymaster:
  networks:
    kovan:
      roles:
        updater: { lower: '0.5', target: '1' }
        relayer: { lower: '0.5', target: '1' }
      bank: { reserve: '1', alertBelow: '5' }
      capPerRun: '20'
`,
  );
  return file;
}

interface Run {
  child: ChildProcess;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

function applyProcess(file: string, vars: Record<string, string>): Run {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/nomad-ops.js'), 'keys', 'apply', '--env', file, '--json'],
    { cwd: repoRoot, env: { PATH: process.env.PATH, ...vars } },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Awaited<Run['done']>>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function setup() {
  const accountId = nextAccountId();
  const file = stagingFile(accountId);
  const loaded = loadEnvironmentFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const env = loaded.env;
  const keys = keysFor(env);
  const proxy = await startFaultProxy({ target: moto.url });
  proxies.push(proxy);
  const vars = { ...(await motoEnv(moto.url, accountId)), AWS_ENDPOINT_URL_KMS: proxy.url };
  const clients = await clientsFor(moto.url, accountId, env.aws.region, proxy.url);
  const direct = await clientsFor(moto.url, accountId, env.aws.region);
  return { file, env, keys, proxy, vars, clients, direct };
}

type KeysOut = {
  ok: boolean;
  keys: { alias: string; keyId: string; status: string; reason?: string }[];
};

describe('keys apply as processes', () => {
  it('two applies started together end with one key per alias; the extras are retired and reported', async () => {
    const { file, env, keys, proxy, vars, clients, direct } = await setup();
    // Both runs plan before either creates anything (each run's one ListKeys, the leftover
    // search, is held until the other's arrives: otherwise a slow second run would find and
    // adopt the first run's keys, and there would be no race). Then every CreateKey is carried
    // out but its answer held until both runs have created all their keys: each run then finds
    // the other's keys, the worst case for duplicates.
    const createHeld = { operation: 'CreateKey', fault: 'hold-answer' } as const;
    proxy.setRules([{ operation: 'ListKeys', fault: 'hold' }, createHeld]);
    const runs = [applyProcess(file, vars), applyProcess(file, vars)];
    await vi.waitFor(() => expect(proxy.heldCount()).toBe(2), { timeout: 120_000, interval: 100 });
    proxy.setRules([createHeld]);
    proxy.release('forward');
    await vi.waitFor(() => expect(proxy.heldCount()).toBe(2 * keys.length), {
      timeout: 120_000,
      interval: 100,
    });
    proxy.release('forward');
    proxy.setRules([]);
    const results = await Promise.all(runs.map((r) => r.done));

    for (const result of results) expect(result.code, result.stderr + result.stdout).toBe(0);
    const outputs = results.map((r) => JSON.parse(r.stdout) as KeysOut);
    const pending = await expectOneKeyPerAlias(
      direct.kms,
      keys.map((k) => k.alias),
    );
    const extras = [...pending.values()].flat();
    expect([...pending.values()].map((ids) => ids.length)).toEqual(keys.map(() => 1));
    // Every extra key is reported by a run, scheduled for deletion with the command to undo it.
    const scheduled = outputs.flatMap((o) => o.keys.filter((k) => k.status === 'scheduled'));
    expect([...new Set(scheduled.map((k) => k.keyId))].sort()).toEqual([...extras].sort());
    for (const row of scheduled)
      expect(row.reason).toContain(`aws kms cancel-key-deletion --key-id ${row.keyId}`);
    // Both runs report the aliased keys, neither advises deleting one of them.
    const { aliases } = await kmsState(direct.kms);
    for (const output of outputs) {
      for (const row of output.keys.filter(
        (k) => k.status !== 'scheduled' && k.status !== 'leftover',
      )) {
        expect(aliases.get(row.alias)).toBe(row.keyId);
        expect(row.reason ?? '').not.toMatch(/delet/);
      }
    }

    proxy.reset();
    const again = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(again.ok).toBe(true);
    expect(writesIn(proxy.counts())).toEqual({});
    expect(
      again.rows
        .filter((r) => r.status === 'leftover')
        .map((r) => r.keyId)
        .sort(),
    ).toEqual([...extras].sort());
  }, 180_000);

  it('an apply killed between CreateKey and CreateAlias: the next adopts its keys, creates none', async () => {
    const { file, env, keys, proxy, vars, clients, direct } = await setup();
    proxy.setRules([{ operation: 'CreateAlias', fault: 'hold' }]);
    const run = applyProcess(file, vars);
    await vi.waitFor(() => expect(proxy.heldCount()).toBe(keys.length), {
      timeout: 120_000,
      interval: 100,
    });
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    proxy.release('drop');
    proxy.setRules([]);
    const before = await kmsState(direct.kms);
    expect(before.keys).toHaveLength(keys.length);
    expect(before.aliases.size).toBe(0);

    const plan = await runKeysRows({ env, keys, clients, mode: 'plan' });
    expect(plan.rows.map((r) => r.status)).toEqual(keys.map(() => 'adopt'));

    const next = applyProcess(file, vars);
    const result = await next.done;
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const output = JSON.parse(result.stdout) as KeysOut;
    expect(output.keys.map((k) => k.status)).toEqual(keys.map(() => 'adopted'));
    // Progress went to stderr (plain lines: not a terminal), first and last; stdout is the JSON.
    expect(result.stderr).toContain(`keys apply: 0/${keys.length} steps\n`);
    expect(result.stderr).toMatch(new RegExp(`keys apply: ${keys.length}/${keys.length} steps`));
    expect(output.keys.map((k) => k.keyId).sort()).toEqual(before.keys.map((k) => k.keyId).sort());
    const pending = await expectOneKeyPerAlias(
      direct.kms,
      keys.map((k) => k.alias),
    );
    expect([...pending.values()].flat()).toEqual([]);

    proxy.reset();
    const again = await runKeysRows({ env, keys, clients, mode: 'apply' });
    expect(again.ok).toBe(true);
    expect(writesIn(proxy.counts())).toEqual({});
  }, 180_000);
});
