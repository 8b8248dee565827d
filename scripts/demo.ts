/**
 * The whole toolkit on local emulators, no cloud account: `npm run demo`.
 *
 * Starts moto (AWS) and one Hardhat chain per chain id of development and staging, then runs the
 * same `nomad-ops` commands an operator would: validate, plan, keys/iam/bucket apply, the
 * Keymaster once with balances before and after, and one scrape of the Keymaster's /metrics.
 * Everything it started is stopped at the end, also on Ctrl-C.
 */
import { JsonRpcProvider, NonceManager, Wallet, parseEther } from 'ethers';
import { runCli } from '../src/cli/program.js';
import type { CliIo } from '../src/cli/io.js';
import { loadEnvironment } from '../src/jobs/environment.js';
import { awsForEnvironment } from '../src/jobs/aws.js';
import { keymasterJob } from '../src/jobs/keymaster.js';
import type { KeymasterRun } from '../src/keymaster/types.js';
import { formatRunway, runwayOf } from '../src/keymaster/decide/runway.js';
import { serveKeymaster } from '../src/keymaster/service/service.js';
import type { ResolvedEnvironment } from '../src/config/model.js';
import { OperationError, errorMessage, exitCodeOf } from '../src/errors.js';
import { FUNDED_PRIVATE_KEYS, startChains, type RunningChains } from '../test/harness/chains.js';
import { motoCredentials, startMoto, type MotoServer } from '../test/harness/moto.js';

const ROOT = new URL('..', import.meta.url).pathname;
const LIVE_ENVIRONMENTS = ['development', 'staging'] as const;
/** What the demo gives each bank on each chain before the Keymaster runs. */
const BANK_FUNDING = parseEther('100');

const stops: Array<() => Promise<void>> = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the emulators…`);
    void stopAll().then(() => process.exit(130));
  });
}

function heading(text: string) {
  console.log(`\n${'='.repeat(100)}\n${text}\n${'='.repeat(100)}`);
}

/** Runs a nomad-ops command in-process, as the CLI would, with the given variables. */
async function nomadOps(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  { print = true } = {},
): Promise<string> {
  console.log(`\n$ nomad-ops ${args.join(' ')}`);
  let out = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
      if (print) process.stdout.write(t.endsWith('\n') ? t : t + '\n');
    },
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    env: { PATH: process.env.PATH, ...env },
    cwd: ROOT,
  };
  const code = await runCli(args, io);
  if (code !== 0) {
    throw new OperationError(
      `nomad-ops ${args.join(' ')} exited with ${code}; its output above says what failed`,
    );
  }
  return out;
}

/** AWS credentials acting in the environment's account on moto, and its chains' RPC URLs. */
async function variablesFor(
  env: ResolvedEnvironment,
  moto: MotoServer,
  chains: RunningChains,
): Promise<NodeJS.ProcessEnv> {
  const credentials = await motoCredentials(moto.url, env.aws.accountId);
  const rpc = Object.fromEntries(
    env.networks.map((n) => [n.rpcUrlEnv, chains.chains.find((c) => c.chainId === n.chainId)!.url]),
  );
  return {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    ...rpc,
  };
}

async function fundBanks(
  envs: Array<{ env: ResolvedEnvironment; bank: string }>,
  chains: RunningChains,
): Promise<void> {
  for (const chain of chains.chains) {
    const funder = new NonceManager(
      new Wallet(
        FUNDED_PRIVATE_KEYS[0]!,
        new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true }),
      ),
    );
    for (const { env, bank } of envs) {
      if (!env.networks.some((n) => n.chainId === chain.chainId)) continue;
      const tx = await funder.sendTransaction({ to: bank, value: BANK_FUNDING });
      await tx.wait();
    }
    funder.provider?.destroy();
  }
}

async function main() {
  const started = Date.now();
  heading('Starting the local parts: moto (AWS) and Hardhat chains, on 127.0.0.1');
  const envs = LIVE_ENVIRONMENTS.map((name) => loadEnvironment(name, ROOT));
  const chainIds = [...new Set(envs.flatMap((e) => e.networks.map((n) => n.chainId)))].sort(
    (a, b) => a - b,
  );
  const [moto, chains] = await Promise.all([startMoto(), startChains(chainIds)]);
  stops.push(
    () => moto.stop(),
    () => chains.stop(),
  );
  console.log(`moto_server  ${moto.url}`);
  for (const c of chains.chains) console.log(`chain ${String(c.chainId).padEnd(9)} ${c.url}`);

  heading('Validate every environment file, and the offline plan of production');
  await nomadOps(['validate']);
  const production = JSON.parse(
    await nomadOps(['plan', '--env', 'production', '--offline', '--json'], {}, { print: false }),
  ) as {
    keys: unknown[];
    funding: unknown[];
  };
  console.log(
    `production needs ${production.keys.length} keys and funds ${production.funding.length} (wallet, chain) pairs`,
  );

  const banks: Array<{ env: ResolvedEnvironment; bank: string; vars: NodeJS.ProcessEnv }> = [];
  for (const env of envs) {
    const vars = await variablesFor(env, moto, chains);
    heading(
      `${env.name}: keys, access and the proofs bucket (AWS account ${env.aws.accountId} on moto)`,
    );
    const keys = JSON.parse(
      await nomadOps(['keys', 'apply', '--env', env.name, '--json'], vars, { print: false }),
    ) as {
      keys: Array<{ alias: string; address: string; purpose: string }>;
    };
    await nomadOps(['keys', 'plan', '--env', env.name], vars);
    for (const resource of ['iam', 'bucket']) {
      // The apply prints every document it creates; show its counts, then the converged plan.
      const applied = JSON.parse(
        await nomadOps([resource, 'apply', '--env', env.name, '--json'], vars, { print: false }),
      ) as { summary: Record<string, number> };
      const counts = Object.entries(applied.summary).filter(([, n]) => n > 0);
      console.log(`applied: ${counts.map(([action, n]) => `${n} ${action}`).join(', ')}`);
      await nomadOps([resource, 'plan', '--env', env.name], vars);
    }
    banks.push({ env, vars, bank: keys.keys.find((k) => k.purpose === 'bank')!.address });
  }

  heading('Funding each bank with 100 of the native token on each of its chains');
  await fundBanks(banks, chains);
  for (const { env, bank } of banks) console.log(`${env.name} bank ${bank}`);

  for (const { env, vars } of banks) {
    heading(`${env.name}: the Keymaster, once (balances before, top-ups, balances after)`);
    await nomadOps(['keymaster', 'once', '--env', env.name], vars);
  }

  heading(
    "The processor's configuration (staging, home kovan): signer aliases and the proofs bucket",
  );
  await nomadOps(['agent-config', '--env', 'staging', '--agent', 'processor', '--home', 'kovan']);

  heading('The operators of staging: who runs which agent, its keys and their addresses');
  const stagingVars = banks.find((b) => b.env.name === 'staging')!.vars;
  await nomadOps(['operators', '--env', 'staging'], stagingVars);

  heading('The Keymaster as a service: one scrape of /metrics (staging)');
  const staging = banks.find((b) => b.env.name === 'staging')!;
  const job = keymasterJob(
    staging.env,
    await awsForEnvironment(staging.env, staging.vars),
    staging.vars,
  );
  const stop = new AbortController();
  let firstRun: (run: KeymasterRun) => void = () => undefined;
  const ran = new Promise<KeymasterRun>((resolve) => (firstRun = resolve));
  const service = await serveKeymaster({
    runOnce: (signal) => job.runOnce({ dryRun: false, signal }),
    metrics: job.metrics,
    networks: job.networks,
    intervalSeconds: staging.env.keymaster.intervalSeconds,
    signal: stop.signal,
    port: 0,
    host: '127.0.0.1',
    onRun: (run) => firstRun(run),
  });
  stops.unshift(async () => {
    stop.abort();
    await service.done;
  });
  const serviceRun = await ran;
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const health = await fetch(`${service.url}/healthz`);
  console.log(`GET ${service.url}/healthz -> ${health.status}`);
  console.log(
    `GET ${service.url}/metrics (the nomad_keymaster series of one wallet, and the banks):`,
  );
  const processor = metrics
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('nomad_keymaster_') &&
        (l.includes('role="processor"') || !l.includes('address=')),
    );
  console.log(processor.slice(0, 40).join('\n'));

  // The `keymaster once` runs above were the first fill (wallets topped up from empty): that says
  // nothing about the spend rate. The service's run is the only interval after it, so its spend
  // (before minus after) is the history the runway rests on. The dashboard's runway panel does
  // the same over the last day of top-ups, and says "not enough history" until there is one.
  const interval = staging.env.keymaster.intervalSeconds;
  console.log(
    `\nBank runway per network (staging), if every ${interval}s interval spent what the service's run did:`,
  );
  for (const bank of serviceRun.banks) {
    if (!bank.after.known || !bank.before.known) {
      console.log(`  ${bank.network}: bank balance unknown`);
      continue;
    }
    const runway = runwayOf(bank.after.wei, bank.before.wei - bank.after.wei, interval);
    console.log(`  runway ${bank.network}: ${formatRunway(runway)}`);
  }

  heading(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)} s; stopping everything the demo started`,
  );
}

try {
  await main();
  await stopAll();
} catch (error) {
  console.error(`demo failed: ${errorMessage(error)}`);
  await stopAll();
  process.exitCode = exitCodeOf(error);
}
