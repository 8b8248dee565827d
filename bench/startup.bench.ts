/**
 * CLI start-up: `nomad-ops --version` and `--help` (the built CLI, bin/nomad-ops.js → lib/) beside
 * bare `node -e 0`, all on the Node 24 of node_modules/node; spawn to exit, many runs. A separate
 * run per command counts the files it loads and whether the AWS SDK or ethers are among them.
 *
 *   npm run bench -- startup [--quick] [--runs N]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, NODE, ensureLib, timeProcess } from './support/cli.js';
import {
  benchOptions,
  duration,
  heading,
  spread,
  summarize,
  table,
  targetLine,
} from './support/common.js';

const COUNTER = pathToFileURL(path.join(import.meta.dirname, 'support/count-modules.mjs')).href;

const COMMANDS: Array<{ label: string; args: string[] }> = [
  { label: '`node -e 0` (bare Node)', args: ['-e', '0'] },
  { label: '`nomad-ops --version`', args: [BIN, '--version'] },
  { label: '`nomad-ops --help`', args: [BIN, '--help'] },
  { label: '`nomad-ops keys --help`', args: [BIN, 'keys', '--help'] },
];

async function main() {
  const options = benchOptions();
  const runs = options.quick ? 5 : Math.max(10, options.runs * 2);
  ensureLib();
  const env = { PATH: process.env.PATH };
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-bench-startup-'));
  const times = COMMANDS.map(() => [] as number[]);
  const modules: Array<{ files: number; awsSdk: boolean; ethers: boolean }> = [];
  try {
    // One untimed run each (file cache), then the timed runs interleaved.
    for (const c of COMMANDS) await timeProcess(NODE, c.args, env);
    for (let r = 0; r < runs; r++) {
      for (const [i, c] of COMMANDS.entries()) {
        const run = await timeProcess(NODE, c.args, env);
        if (run.code !== 0) throw new Error(`${c.label} exited ${run.code}: ${run.stderr}`);
        times[i]!.push(run.ms);
      }
    }
    for (const [i, c] of COMMANDS.entries()) {
      const file = path.join(dir, `modules-${i}.json`);
      await timeProcess(NODE, ['--import', COUNTER, ...c.args], {
        ...env,
        NOMAD_BENCH_MODULES: file,
      });
      modules.push(JSON.parse(readFileSync(file, 'utf8')) as (typeof modules)[0]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  heading(
    'CLI start-up',
    { ...options, runs },
    '`bench/startup.bench.ts`: each command spawned on `node_modules/node/bin/node` ' +
      `(Node ${process.versions.node}), from spawn to exit, the commands interleaved; files loaded ` +
      'counted in a separate run (module hooks).',
  );
  const bare = summarize(times[0]!).median;
  console.log(
    table(
      ['command', 'wall time', 'over bare Node', 'files loaded', 'AWS SDK loaded', 'ethers loaded'],
      COMMANDS.map((c, i) => {
        const s = summarize(times[i]!);
        return [
          c.label,
          spread(s),
          i === 0 ? '' : `+${duration(s.median - bare)}`,
          String(modules[i]!.files),
          modules[i]!.awsSdk ? 'yes' : 'no',
          modules[i]!.ethers ? 'yes' : 'no',
        ];
      }),
      ['l', 'r', 'r', 'r', 'l', 'l'],
    ),
  );
  const version = summarize(times[1]!);
  console.log(
    `\nBound: bare Node, ${duration(bare)} median here (the CLI cannot start faster than the runtime).\n`,
  );
  console.log(
    targetLine(
      '`nomad-ops --version` under 150 ms',
      version.median < 150,
      `${duration(version.median)} median, ${(version.median / bare).toFixed(1)}× bare Node`,
    ),
  );
  console.log(
    targetLine(
      '`--version` and `--help` without the AWS SDK or ethers',
      [1, 2].every((i) => !modules[i]!.awsSdk && !modules[i]!.ethers),
      [1, 2]
        .map(
          (i) =>
            `${COMMANDS[i]!.label}: AWS SDK ${modules[i]!.awsSdk ? 'loaded' : 'not loaded'}, ethers ${modules[i]!.ethers ? 'loaded' : 'not loaded'}`,
        )
        .join('; '),
    ),
  );
}

await main();
