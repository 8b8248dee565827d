import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { JsonRpcProvider, SigningKey, Wallet, computeAddress, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysFor } from '../../src/inventory/keys.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from '../../src/inventory/tags.js';
import { motoEnv } from '../actions/workspace.js';
import { FakeGithub } from '../github/fake-github.js';
import { FUNDED_PRIVATE_KEYS } from '../harness/chains.js';
import { nextAccountId, requireChains, requireMotoUrl } from '../harness/emulators.js';
import { node24Binary, runAction, type ActionRun } from '../harness/run-action.js';
import { startBasicAuthProxy, type BasicAuthProxy } from './basic-auth-proxy.js';
import {
  closedPort,
  findLeaks,
  pool,
  runProcess,
  startCorruptingAwsProxy,
  withoutMaskCommands,
  type Place,
  type Planted,
  type ProcessRun,
} from './support.js';

/*
 * The leak test (DESIGN §10): known secrets are planted where the toolkit reads them (development
 * hex keys in Secrets Manager, the IAM secret access key of the run, RPC URLs with user:password@,
 * a path key, a query key, a URL that does not parse, a dead RPC with credentials), then every
 * command (text and --json), `keymaster serve` and every action bundle runs as an operator and
 * the runner would, with failure paths (dead RPC, GetSecretValue answers that are not JSON, a
 * file naming AWS_SECRET_ACCESS_KEY as its rpcUrlEnv). Everything they wrote is searched: not
 * one planted value, nor one 6-character window of a key, may appear anywhere.
 */

const ACCOUNT = nextAccountId();
/** This file's funding key on the shared chains (see test/harness/chains.ts). */
const FUNDER = FUNDED_PRIVATE_KEYS[7]!;
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO_ROOT, 'bin/nomad-ops.js');
const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const PR = 42;
const MERGE_SHA = 'c'.repeat(40);

/** A loaded machine runs an action bundle in seconds, not the harness's default minute. */
const ACTION_TIMEOUT_MS = 180_000;

const RPC_USER = 'leakuser77';
const RPC_PASSWORD = 'p4ss-Leak/Xy91';
const PATH_KEY = 'pk9F3kQ7zL2mN8vR4tW6yB1c';
const QUERY_KEY = 'qkey5T8uP3wE6';
const MALFORMED_KEY = 'mk4G7hJ2kL9pQ3';
const MALFORMED_URL = `https://node.example.invalid:99999/v3/${MALFORMED_KEY}`;
const DEAD_USER = 'deaduser42';
/**
 * Shorter than MIN_SUBSTRING_SECRET_LENGTH (src/redact.ts): never replaced inside words, so the
 * test proves a short secret is still never printed, whole or inside its URL, while every other
 * planted value is of substring length.
 */
const DEAD_PASSWORD = 'Zq7Vw3';
const DEAD_KEY = 'dk2V5bN8mC4xZ7';

/**
 * A development key whose hex digits alternate between a letter (upper case) and anything: every
 * 6-character window holds three upper-case letters, so it cannot match lower-case hex (hashes)
 * and an EIP-55 address only by a chance of about 2^-27 per position, while any quote of the key
 * as stored is found. The first digit stays below F, so the key is below the curve order.
 */
function plantedKey(i: number): string {
  let hex = '';
  for (let j = 0; j < 32; j++) {
    const letter = 'ABCDE'[(i + j) % 5]!;
    const other = '0123456789ABCDEF'[(i * 7 + j * 13 + 3) % 16]!;
    hex += letter + other;
  }
  return '0x' + hex;
}

function environmentFile(chainIds: number[], rpcEnv = ['ALPHA', 'BETA', 'GAMMA']): string {
  const [a, b] = chainIds;
  // A bucket name of its own: names are global in moto, and other tests apply development's.
  return `environment: development
aws: { accountId: '${ACCOUNT}', region: us-west-2 }
proofsBucket: { name: nomadxyz-development-proofs-leak }
networks:
  - { name: alpha, chainId: ${a}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ${rpcEnv[0]}_RPC_URL }
  - { name: beta, chainId: ${b}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ${rpcEnv[1]}_RPC_URL }
  - { name: gamma, chainId: 31399, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ${rpcEnv[2]}_RPC_URL }
keymaster:
  networks:
    alpha: &net
      roles:
        updater: { lower: '0.5', target: '1' }
        watcher: { lower: '0.2', target: '0.5' }
        relayer: { lower: '0.5', target: '1' }
        processor: { lower: '0.5', target: '1' }
        kathy: { lower: '0.1', target: '0.25' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
    beta: *net
    gamma: *net
`;
}

const planted: Planted[] = [];
const places: Place[] = [];
const proxies: BasicAuthProxy[] = [];
const github = new FakeGithub(REPOSITORY);
let workspace: string;
let badWorkspace: string;
/** What every command and action gets: moto credentials and the RPC URLs. */
let vars: Record<string, string>;
/** The same with a dead RPC (credentials and a key in its URL) for alpha. */
let deadVars: Record<string, string>;
/** The same with GetSecretValue answers corrupted on their way from AWS. */
let corruptVars: Record<string, string>;
let corrupting: Awaited<ReturnType<typeof startCorruptingAwsProxy>> | undefined;
let motoUrl = '';
let harnessChains: { chainId: number; url: string }[] = [];

const started = Date.now();
/** Progress on stderr: which run finished when (a slow machine shows where the time goes). */
function progress(name: string): void {
  if (process.env.LEAK_TEST_PROGRESS)
    console.error(`${((Date.now() - started) / 1000).toFixed(1)}s ${name}`);
}

function record(name: string, run: ProcessRun): void {
  progress(name);
  places.push({ name: `${name}: stdout`, text: run.stdout });
  places.push({ name: `${name}: stderr`, text: run.stderr });
}

function recordAction(name: string, run: ActionRun): void {
  progress(name);
  // The runner consumes ::add-mask:: lines and shows none of them: they are how secrets reach it.
  places.push({ name: `${name}: stdout`, text: withoutMaskCommands(run.stdout) });
  places.push({ name: `${name}: stderr`, text: run.stderr });
  places.push({ name: `${name}: step summary`, text: run.summary });
  for (const [output, value] of Object.entries(run.outputs)) {
    places.push({ name: `${name}: output ${output}`, text: value });
  }
  for (const [file, text] of Object.entries(run.runnerTempFiles)) {
    places.push({ name: `${name}: RUNNER_TEMP/${file}`, text });
  }
}

function cli(args: string[], env: Record<string, string>, cwd = workspace) {
  return runProcess(node24Binary(), [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeoutMs: 180_000,
  });
}

beforeAll(async () => {
  const chains = requireChains();
  harnessChains = chains;
  motoUrl = requireMotoUrl();
  const aws = await motoEnv(motoUrl, ACCOUNT);
  await github.start();

  proxies.push(await startBasicAuthProxy(chains[0]!.url, RPC_USER, RPC_PASSWORD, '/rpc'));
  proxies.push(
    await startBasicAuthProxy(chains[1]!.url, '', '', `/v3/${PATH_KEY}?apikey=${QUERY_KEY}`),
  );
  const deadUrl = `http://${DEAD_USER}:${DEAD_PASSWORD}@127.0.0.1:${await closedPort()}/v3/${DEAD_KEY}`;
  const rpc = {
    ALPHA_RPC_URL: proxies[0]!.urlWithCredentials,
    BETA_RPC_URL: proxies[1]!.url,
    GAMMA_RPC_URL: MALFORMED_URL,
  };
  vars = { ...aws, ...rpc };
  deadVars = { ...vars, ALPHA_RPC_URL: deadUrl };
  corrupting = await startCorruptingAwsProxy(motoUrl);
  corruptVars = { ...vars, AWS_ENDPOINT_URL: corrupting.url };

  workspace = mkdtempSync(path.join(tmpdir(), 'nomad-leak-'));
  mkdirSync(path.join(workspace, 'environments'));
  const chainIds = chains.map((c) => c.chainId);
  writeFileSync(path.join(workspace, 'environments/development.yaml'), environmentFile(chainIds));
  // A file whose rpcUrlEnv names the AWS secret key: refused before anything reads it.
  badWorkspace = mkdtempSync(path.join(tmpdir(), 'nomad-leak-bad-'));
  mkdirSync(path.join(badWorkspace, 'environments'));
  writeFileSync(
    path.join(badWorkspace, 'environments/development.yaml'),
    environmentFile(chainIds).replace(
      'rpcUrlEnv: BETA_RPC_URL',
      'rpcUrlEnv: AWS_SECRET_ACCESS_KEY',
    ),
  );

  // Development keys planted in Secrets Manager, tagged as keys apply tags them.
  const env = loadEnvironment('development', workspace);
  const secrets = new SecretsManagerClient({
    region: env.aws.region,
    endpoint: motoUrl,
    credentials: {
      accessKeyId: aws.AWS_ACCESS_KEY_ID!,
      secretAccessKey: aws.AWS_SECRET_ACCESS_KEY!,
      sessionToken: aws.AWS_SESSION_TOKEN!,
    },
  });
  let bank = '';
  const specs = keysFor(env).filter((k) => k.secretName);
  await Promise.all(
    specs.map(async (spec, i) => {
      const key = plantedKey(i);
      const address = computeAddress(new SigningKey(key).publicKey);
      if (spec.purpose === 'bank') bank = address;
      planted.push({ label: `development hex key ${spec.secretName}`, value: key, key: true });
      await secrets.send(
        new CreateSecretCommand({
          Name: spec.secretName,
          SecretString: key,
          Tags: Object.entries({ ...spec.tags, [TAG_KEYS.address]: address }).map(
            ([Key, Value]) => ({ Key, Value }),
          ),
        }),
      );
    }),
  );
  secrets.destroy();
  planted.push(
    { label: 'IAM secret access key', value: aws.AWS_SECRET_ACCESS_KEY!, key: true },
    { label: 'AWS session token', value: aws.AWS_SESSION_TOKEN! },
    { label: 'RPC URL with user:password@', value: rpc.ALPHA_RPC_URL },
    { label: 'RPC user', value: RPC_USER },
    { label: 'RPC password', value: RPC_PASSWORD },
    { label: 'RPC password (URL-encoded)', value: encodeURIComponent(RPC_PASSWORD) },
    {
      label: 'RPC Basic credentials',
      value: Buffer.from(`${RPC_USER}:${RPC_PASSWORD}`).toString('base64'),
    },
    { label: 'RPC URL with a path and a query key', value: rpc.BETA_RPC_URL },
    { label: 'RPC path key', value: PATH_KEY },
    { label: 'RPC query key', value: QUERY_KEY },
    { label: 'malformed RPC URL', value: MALFORMED_URL },
    { label: 'malformed RPC URL key', value: MALFORMED_KEY },
    { label: 'dead RPC URL', value: deadUrl },
    { label: 'dead RPC user', value: DEAD_USER },
    { label: 'dead RPC password', value: DEAD_PASSWORD },
    { label: 'dead RPC key', value: DEAD_KEY },
  );

  // The bank has money on both chains, so a top-up really signs and sends.
  for (const chain of chains) {
    const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true });
    const funder = new Wallet(FUNDER, provider);
    await (await funder.sendTransaction({ to: bank, value: parseEther('50') })).wait();
    provider.destroy();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...proxies.map((p) => p.close()), github.stop(), corrupting?.close()]);
});

/** Resolved when the CLI's top-ups are done: the action's top-up sends from the same bank after. */
let cliTopUpsDone: () => void;
const cliTopUps = new Promise<void>((resolve) => (cliTopUpsDone = resolve));

/** Every command, with and without --json, in the order an operator would run them. */
async function runCommands(): Promise<void> {
  const both = (name: string, args: string[], env = vars, cwd = workspace) => [
    async () => record(`nomad-ops ${name}`, await cli(args, env, cwd)),
    async () => record(`nomad-ops ${name} --json`, await cli([...args, '--json'], env, cwd)),
  ];
  const dev = ['--env', 'development'];
  // Reads, and failure paths, side by side.
  await pool(3, [
    ...both('validate', ['validate', 'environments/development.yaml']),
    ...both('validate (rpcUrlEnv: AWS_SECRET_ACCESS_KEY)', ['validate'], vars, badWorkspace),
    ...both(
      'keymaster once (rpcUrlEnv: AWS_SECRET_ACCESS_KEY)',
      ['keymaster', 'once', ...dev, '--dry-run'],
      vars,
      badWorkspace,
    ),
    ...both('plan --offline', ['plan', ...dev, '--offline']),
    ...both('plan', ['plan', ...dev]),
    ...both('keys plan', ['keys', 'plan', ...dev]),
    ...both('iam plan', ['iam', 'plan', ...dev]),
    ...both('bucket plan', ['bucket', 'plan', ...dev]),
    ...both('attestations', ['attestations', ...dev]),
    ...both('keymaster once --dry-run', ['keymaster', 'once', ...dev, '--dry-run']),
    ...both(
      'keymaster once --dry-run (dead RPC)',
      ['keymaster', 'once', ...dev, '--dry-run'],
      deadVars,
    ),
    ...both('keys apply (corrupted GetSecretValue)', ['keys', 'apply', ...dev], corruptVars),
    ...both(
      'keymaster once (corrupted GetSecretValue)',
      ['keymaster', 'once', ...dev],
      corruptVars,
    ),
    ...[
      ['processor', 'env'],
      ['updater', 'helm'],
    ].map(([agent, format]) => async () => {
      const args = [
        'agent-config',
        ...dev,
        '--agent',
        agent!,
        '--home',
        'alpha',
        '--format',
        format!,
      ];
      record(`nomad-ops ${args.join(' ')}`, await cli(args, vars));
    }),
  ]);
  // Writes, one after the other: keys, access, bucket, then a real top-up (signs and sends).
  for (const [name, args] of [
    ['keys apply', ['keys', 'apply', ...dev]],
    ['iam apply', ['iam', 'apply', ...dev]],
    ['bucket apply', ['bucket', 'apply', ...dev]],
    ['keymaster once', ['keymaster', 'once', ...dev]],
    ['keymaster once (dead RPC)', ['keymaster', 'once', ...dev]],
    // Reads the ledger the top-up wrote and each record's chain (the RPC URLs' secrets).
    ['keymaster ledger --verify', ['keymaster', 'ledger', ...dev, '--verify']],
    // The balances snapshots the top-up appended, and the proposal from them.
    ['keymaster ledger --burn', ['keymaster', 'ledger', ...dev, '--burn']],
    ['keymaster propose-thresholds', ['keymaster', 'propose-thresholds', ...dev]],
  ] as const) {
    const env = name.includes('dead') ? deadVars : vars;
    record(`nomad-ops ${name}`, await cli([...args], env));
    record(`nomad-ops ${name} --json`, await cli([...args, '--json'], env));
    if (name === 'keymaster once') cliTopUpsDone();
  }
}

/** A staging file (KMS) on alpha; beta left it, its relayer key declared in keys.drain. */
function stagingFile(chainId: number): string {
  return `environment: staging
aws: { accountId: '${ACCOUNT}', region: us-west-2 }
keys:
  names: [relayer-signer, processor-signer, updater-attestation]
  drain: [beta/relayer-signer]
networks:
  - { name: alpha, chainId: ${chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ALPHA_RPC_URL }
keymaster:
  networks:
    alpha:
      roles:
        relayer: { lower: '0.5', target: '1' }
        processor: { lower: '0.5', target: '1' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
`;
}

/**
 * `keys drain` (KMS, staging): an orphaned beta key with funds, drained to the bank through beta's
 * RPC URL (a path and a query key), then again through a dead URL with credentials; and the
 * `--prune` plan that reads its balance through the same URL.
 */
async function runDrain(): Promise<void> {
  const file = path.join(workspace, 'staging.yaml');
  writeFileSync(file, stagingFile(harnessChains[0]!.chainId));
  const staging = ['--env', file];
  record('nomad-ops keys apply (staging)', await cli(['keys', 'apply', ...staging], vars));
  const alias = 'alias/staging-beta-relayer-signer';
  const kms = new KMSClient({
    region: 'us-west-2',
    endpoint: motoUrl,
    credentials: {
      accessKeyId: vars.AWS_ACCESS_KEY_ID!,
      secretAccessKey: vars.AWS_SECRET_ACCESS_KEY!,
      sessionToken: vars.AWS_SESSION_TOKEN!,
    },
  });
  const tags = {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [TAG_KEYS.environment]: 'staging',
    [TAG_KEYS.network]: 'beta',
    [TAG_KEYS.keyName]: 'relayer-signer',
    [TAG_KEYS.role]: 'relayer',
    [TAG_KEYS.purpose]: 'signer',
    [TAG_KEYS.alias]: alias,
    [TAG_KEYS.aliased]: 'true',
  };
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      Tags: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    }),
  );
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata!.KeyId! }));
  kms.destroy();
  const planned = await cli(['keys', 'plan', ...staging, '--prune', '--json'], vars);
  record('nomad-ops keys plan --prune (staging) --json', planned);
  const rows = (
    JSON.parse(planned.stdout || '{"keys":[]}') as { keys: { alias: string; address: string }[] }
  ).keys;
  const address = rows.find((r) => r.alias === alias)?.address ?? '';
  expect(address, planned.stderr).toMatch(/^0x/);
  const provider = new JsonRpcProvider(harnessChains[1]!.url, harnessChains[1]!.chainId, {
    staticNetwork: true,
  });
  // FUNDER's beforeAll transfers are mined: this is its only later transfer.
  await (
    await new Wallet(FUNDER, provider).sendTransaction({ to: address, value: parseEther('1') })
  ).wait();
  provider.destroy();
  record(
    'nomad-ops keys plan --prune (staging)',
    await cli(['keys', 'plan', ...staging, '--prune'], vars),
  );
  const drain = ['keys', 'drain', ...staging, '--key', alias, '--to', 'bank'];
  record(
    'nomad-ops keys drain (dead RPC) --json',
    await cli([...drain, '--json'], {
      ...vars,
      BETA_RPC_URL: deadVars.ALPHA_RPC_URL!,
    }),
  );
  record(
    'nomad-ops keys drain (dead RPC)',
    await cli(drain, { ...vars, BETA_RPC_URL: deadVars.ALPHA_RPC_URL! }),
  );
  record('nomad-ops keys drain --json', await cli([...drain, '--json'], vars));
  // Drained: the second run has nothing left to send.
  record('nomad-ops keys drain', await cli(drain, vars));
}

/** `keymaster serve` until its first run is in /metrics; /metrics and /healthz are searched. */
async function runServe(): Promise<void> {
  const child = spawn(
    node24Binary(),
    [
      BIN,
      'keymaster',
      'serve',
      '--env',
      'development',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--dry-run',
    ],
    {
      cwd: workspace,
      env: { PATH: process.env.PATH ?? '', ...deadVars },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const url = await vi.waitFor(
      () => {
        const match = /metrics on (http:\/\/[^\s]+)\/metrics/.exec(stderr);
        if (!match) throw new Error(`serve has not started: ${stdout} ${stderr}`);
        return match[1]!;
      },
      { timeout: 120_000, interval: 100 },
    );
    // The first run is done when a network has been swept (beta is alive; alpha is dead).
    const metrics = await vi.waitFor(
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        if (!text.includes('nomad_keymaster_last_success_timestamp_seconds{')) {
          throw new Error('no run yet');
        }
        if (!text.includes('nomad_keymaster_rpc_errors_total{'))
          throw new Error('no rpc error yet');
        return text;
      },
      { timeout: 120_000, interval: 200 },
    );
    places.push({ name: 'keymaster serve: /metrics', text: metrics });
    places.push({
      name: 'keymaster serve: /healthz',
      text: await (await fetch(`${url}/healthz`)).text(),
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
    places.push({ name: 'keymaster serve: stdout', text: stdout });
    places.push({ name: 'keymaster serve: stderr', text: stderr });
  }
}

/** Every action bundle as the runner runs it, with the GitHub stand-in for the comment. */
async function runActions(): Promise<void> {
  const dev = { environment: 'development' };
  const jobs: Array<[string, string, Record<string, string>, Record<string, string>]> = [
    ['validate', 'validate', {}, vars],
    ['provision-keys plan', 'provision-keys', { ...dev, mode: 'plan' }, vars],
    [
      'provision-keys apply (corrupted GetSecretValue)',
      'provision-keys',
      { ...dev, mode: 'apply' },
      corruptVars,
    ],
    ['apply-iam plan', 'apply-iam', { ...dev, mode: 'plan' }, vars],
    ['proofs-bucket plan', 'proofs-bucket', { ...dev, mode: 'plan' }, vars],
    ['keymaster check', 'keymaster', { ...dev, mode: 'check' }, vars],
    ['keymaster check (dead RPC)', 'keymaster', { ...dev, mode: 'check' }, deadVars],
    [
      'keymaster top-up (corrupted GetSecretValue)',
      'keymaster',
      { ...dev, mode: 'top-up', 'pushgateway-url': 'http://127.0.0.1:9' },
      corruptVars,
    ],
  ];
  const results = await pool(
    2,
    jobs.map(([name, action, inputs, env]) => async () => {
      const run = await runAction(action, { inputs, workspace, env, timeoutMs: ACTION_TIMEOUT_MS });
      return [name, run] as const;
    }),
  );
  for (const [name, run] of results) recordAction(name, run);
  const runs = new Map(results);

  await cliTopUps;
  const topUp = await runAction('keymaster', {
    inputs: { ...dev, mode: 'top-up' },
    workspace,
    env: vars,
    timeoutMs: ACTION_TIMEOUT_MS,
  });
  recordAction('keymaster top-up', topUp);

  // The report: the other actions' outputs, plus failure text as a library would have written
  // it (the old keymaster's markdown), which the report's own boundary must catch.
  const keys = runs.get('provision-keys plan')!;
  const keymaster = runs.get('keymaster check (dead RPC)')!;
  const rawFailure = `| alpha | RPC could not be reached (fetch failed: ${deadVars.ALPHA_RPC_URL}) |`;
  const github_ = {
    event: { pull_request: { number: PR, head: { sha: MERGE_SHA } }, number: PR },
    eventName: 'pull_request',
  };
  const report = await runAction('report', {
    inputs: {
      ...dev,
      kind: 'plan',
      'keys-json': keys.outputs['keys-json']!,
      'keys-markdown': keys.outputs['table-markdown']!,
      'keymaster-json': keymaster.outputs['run-json'] ?? '',
      'keymaster-markdown': `${keymaster.outputs['balances-markdown'] ?? ''}\n${rawFailure}\n`,
      comment: 'true',
      'github-token': 'write-token',
    },
    ...github_,
    workspace,
    timeoutMs: ACTION_TIMEOUT_MS,
    env: { ...deadVars, GITHUB_API_URL: github.url },
  });
  expect(report.exitCode, report.stdout + report.stderr).toBe(0);
  recordAction('report', report);

  github.pullsByCommit.set(MERGE_SHA, [
    { number: PR, merged_at: 'now', merge_commit_sha: MERGE_SHA },
  ]);
  const guard = await runAction('apply-guard', {
    inputs: {
      ...dev,
      'keys-json': keys.outputs['keys-json']!,
      'approved-plan': report.outputs['plan-file'] ?? '',
    },
    event: { ref: 'refs/heads/main', after: MERGE_SHA },
    eventName: 'push',
    workspace,
    timeoutMs: ACTION_TIMEOUT_MS,
    env: { ...deadVars, GITHUB_API_URL: github.url, GITHUB_SHA: MERGE_SHA },
  });
  recordAction('apply-guard', guard);

  // The gated apply of that plan file, with GetSecretValue corrupted: it reads the hex keys once.
  const applied = await runAction('apply-plan', {
    inputs: { ...dev, 'approved-plan': report.outputs['plan-file'] ?? '' },
    event: { ref: 'refs/heads/main', after: MERGE_SHA },
    eventName: 'push',
    workspace,
    timeoutMs: ACTION_TIMEOUT_MS,
    env: { ...corruptVars, GITHUB_SHA: MERGE_SHA },
  });
  recordAction('apply-plan', applied);

  for (const [i, request] of github.requests.entries()) {
    places.push({
      name: `GitHub stand-in: request ${i + 1} ${request.method} ${request.path}`,
      text: `${request.path}?${request.query.toString()}\n${JSON.stringify(request.body ?? null)}`,
    });
  }
  for (const comment of github.comments) {
    places.push({ name: `GitHub stand-in: comment ${comment.id}`, text: comment.body });
  }
}

describe('secrets never leave', () => {
  it('no planted secret, nor a 6-character window of a key, appears in anything written', async () => {
    await Promise.all([runCommands(), runServe(), runActions(), runDrain()]);

    const findings = findLeaks(planted, places);
    const table = planted.map((secret) => ({
      secret: secret.label,
      'places searched': places.length,
      searched: secret.key ? `value and ${secret.value.length - 5} windows` : 'value',
      found: findings.filter((f) => f.label === secret.label).length,
    }));
    console.table(table);

    // The runs did what they are meant to: the failure paths failed, the top-up sent.
    const text = (run: string) =>
      places
        .filter((p) => p.name === `${run}: stdout` || p.name === `${run}: stderr`)
        .map((p) => p.text)
        .join('\n');
    expect
      .soft(text('nomad-ops validate (rpcUrlEnv: AWS_SECRET_ACCESS_KEY)'))
      .toMatch(/development\.yaml:\d+:\d+: networks\[1\]\.rpcUrlEnv/);
    expect.soft(text('nomad-ops keymaster once')).toMatch(/mined|sent/i);
    expect.soft(text('nomad-ops keymaster once')).toContain('GAMMA_RPC_URL');
    expect
      .soft(text('nomad-ops keymaster once --dry-run (dead RPC)'))
      .toMatch(/alpha.*could not be reached/);
    expect.soft(corrupting!.corrupted).toBeGreaterThan(0);
    expect
      .soft(text('nomad-ops keys apply (corrupted GetSecretValue)'))
      .toMatch(/is not the expected JSON\/hex key/);
    expect.soft(github.comments.length).toBeGreaterThan(0);
    expect.soft(text('nomad-ops keys drain --json')).toMatch(/"status":\s*"sent"/);
    expect.soft(text('nomad-ops keys drain (dead RPC)')).toMatch(/could not be reached/);
    expect.soft(text('nomad-ops keys plan --prune (staging)')).toMatch(/ORPHANED/);

    expect(places.length).toBeGreaterThan(150);
    expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
  }, 900_000);
});
