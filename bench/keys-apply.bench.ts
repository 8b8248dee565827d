/**
 * `nomad-ops keys apply` of a production-sized environment (109 keys, none existing) as an
 * operator runs it: the built CLI as a process, against moto behind KMS's latency and quotas
 * (CreateKey and CreateAlias 5/s each: beyond them the proxy answers ThrottlingException, as KMS
 * does). Counts throttled calls, the most keys ever left without an alias, and the time from the
 * start to the first progress output on stderr; compares the wall time with the quota bound.
 *
 *   npm run bench -- keys-apply [--quick] [--runs N]
 */
import { keysFor } from '../src/inventory/keys.js';
import { motoCredentials, startMoto } from '../test/harness/moto.js';
import { ensureLib, BIN, NODE, timeProcess, type TimedProcess } from './support/cli.js';
import {
  benchOptions,
  duration,
  heading,
  ratio,
  spread,
  summarize,
  table,
  targetLine,
} from './support/common.js';
import { productionSizedEnvironment } from './support/environment.js';
import { KMS_QUOTAS, listCounts, startKmsBenchProxy, totalOf } from './support/kms-proxy.js';

const AWS_LATENCY_MS = 50;

interface Run {
  process: TimedProcess;
  keys: number;
  counts: Record<string, number>;
  throttled: Record<string, number>;
  maxWithoutAlias: number;
  firstLine: string;
}

async function main() {
  const options = benchOptions();
  // --quick: one run, but still the full 109 keys (the quota is what is measured).
  const runs = options.quick ? 1 : Math.min(options.runs, 3);
  ensureLib();
  const moto = await startMoto();
  const proxy = await startKmsBenchProxy({ target: moto.url, latencyMs: AWS_LATENCY_MS });
  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // A fresh moto account per run: every key is created.
      const account = `40000000010${i}`;
      const { file, env, dispose } = productionSizedEnvironment(account);
      const credentials = await motoCredentials(moto.url, account);
      proxy.reset();
      const run = await timeProcess(NODE, [BIN, 'keys', 'apply', '--env', file, '--json'], {
        PATH: process.env.PATH,
        CI: 'true',
        AWS_ENDPOINT_URL: proxy.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      });
      dispose();
      if (run.code !== 0) {
        throw new Error(`keys apply exited ${run.code}:\n${run.stderr.slice(-2000)}`);
      }
      const applied = JSON.parse(run.stdout) as { keys: { status: string }[] };
      const created = applied.keys.filter((k) => k.status === 'created').length;
      if (created !== keysFor(env).length) {
        throw new Error(`keys apply created ${created} of ${keysFor(env).length} keys`);
      }
      results.push({
        process: run,
        keys: created,
        counts: proxy.proxy.counts(),
        throttled: proxy.throttled(),
        maxWithoutAlias: proxy.maxKeysWithoutAlias(),
        firstLine: run.stderr.split('\n')[0]?.trim() ?? '',
      });
    }
  } finally {
    await proxy.stop();
    await moto.stop();
  }

  const keys = results[0]!.keys;
  const rate = KMS_QUOTAS.CreateKey!;
  // The last key's CreateKey may start once the bucket has let 109 through; then its CreateAlias,
  // and before all of it the plan's first reads: three round trips beside the quota.
  const boundMs = (Math.max(0, keys - rate) / rate) * 1000 + 3 * AWS_LATENCY_MS;
  const wall = summarize(results.map((r) => r.process.ms));
  const first = results.map((r) => r.process.firstStderrMs);
  const firstKnown = first.every((f) => f !== undefined);
  const firstSummary = firstKnown ? summarize(first as number[]) : undefined;
  const throttled = results.map((r) => totalOf(r.throttled));
  const last = results.at(-1)!;

  heading(
    `keys apply: ${keys} new keys under KMS's 5/s CreateKey and CreateAlias quotas, +${AWS_LATENCY_MS} ms per call`,
    { ...options, runs },
    '`bench/keys-apply.bench.ts`: `node bin/nomad-ops.js keys apply --env <production-sized file> --json` ' +
      '(Node 24 of node_modules/node, CI=true, stderr a pipe) against moto in a fresh account per run, behind ' +
      `a proxy adding ${AWS_LATENCY_MS} ms per call and answering ThrottlingException beyond each operation's ` +
      'quota (token bucket holding one second of calls). Wall time is the process from spawn to exit.',
  );
  console.log(
    table(
      [
        'run',
        'wall time',
        'quota bound',
        'ratio',
        'throttled calls',
        'most keys without alias',
        'first stderr output',
        'first stderr line',
        'calls by operation',
      ],
      results.map((r, i) => [
        String(i + 1),
        duration(r.process.ms),
        duration(boundMs),
        ratio(r.process.ms, boundMs),
        `${totalOf(r.throttled)}${totalOf(r.throttled) ? ` (${listCounts(r.throttled)})` : ''}`,
        String(r.maxWithoutAlias),
        r.process.firstStderrMs === undefined ? 'none' : duration(r.process.firstStderrMs),
        r.firstLine ? `\`${r.firstLine.slice(0, 80)}\`` : '',
        listCounts(r.counts),
      ]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
    ),
  );
  console.log(
    `\nWall time over ${runs} run(s): ${spread(wall)}. Bound: (${keys} − ${rate} burst) / ${rate} per s + 3 round trips ` +
      `of ${AWS_LATENCY_MS} ms = ${duration(boundMs)}. stderr lines in the last run: ${last.process.stderr.split('\n').filter(Boolean).length}.\n`,
  );
  console.log(
    targetLine(
      'within 1.2× of the quota bound',
      wall.median <= 1.2 * boundMs,
      `${ratio(wall.median, boundMs)} on the median`,
    ),
  );
  console.log(
    targetLine(
      'zero throttled calls',
      Math.max(...throttled) === 0,
      `${throttled.join(', ')} per run`,
    ),
  );
  console.log(
    targetLine(
      'first progress output within 1 s',
      firstSummary ? firstSummary.max <= 1000 : false,
      firstSummary ? `${spread(firstSummary)} from spawn` : 'no stderr output at all',
    ),
  );
}

await main();
