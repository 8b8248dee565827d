/**
 * Size and cold start of each action bundle: process start to first byte of output, the way the
 * runner starts `node dist/<name>/index.js`. Side by side: the naive way, running the TypeScript
 * entry unbundled through tsx (what an action without a build step would do).
 *
 *   npm run bench -- bundles [--quick] [--runs N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { benchOptions } from './support/common.js';

const root = path.resolve(import.meta.dirname, '..');

/** Milliseconds from spawn to the first byte on stdout or stderr. */
function timeToFirstOutput(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let done = false;
    const first = () => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    };
    child.stdout.once('data', first);
    child.stderr.once('data', first);
    child.on('error', reject);
    child.on('exit', () => {
      if (!done) reject(new Error(`${args.join(' ')} exited without output`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const options = benchOptions();
  const runs = options.quick ? 3 : Math.max(options.runs, 5);
  const work = mkdtempSync(path.join(tmpdir(), 'nomad-bench-bundles-'));
  const env = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: path.join(work, 'output'),
    GITHUB_STEP_SUMMARY: path.join(work, 'summary'),
    RUNNER_TEMP: work,
  };
  writeFileSync(env.GITHUB_OUTPUT, '');
  writeFileSync(env.GITHUB_STEP_SUMMARY, '');
  const names = readdirSync(path.join(root, 'dist')).sort();
  const rows: string[] = [];
  for (const name of names) {
    const bundle = path.join(root, 'dist', name, 'index.js');
    const code = readFileSync(bundle);
    const bundled: number[] = [];
    const unbundled: number[] = [];
    for (let i = 0; i < runs; i++) {
      bundled.push(await timeToFirstOutput([bundle], work, env));
      unbundled.push(
        await timeToFirstOutput(
          ['--import', import.meta.resolve('tsx'), path.join(root, 'src/actions', `${name}.ts`)],
          work,
          env,
        ),
      );
    }
    rows.push(
      `| ${name} | ${(code.length / 1024).toFixed(0)} KiB | ${(gzipSync(code).length / 1024).toFixed(0)} KiB | ${median(bundled).toFixed(0)} ms | ${median(unbundled).toFixed(0)} ms |`,
    );
  }
  rmSync(work, { recursive: true, force: true });
  console.log('### Action bundles: size and cold start\n');
  console.log(
    `Reproduce: \`npm run bench -- bundles\`. Action bundles: cold start = process start to first output, median of ${runs} runs (Node ${process.versions.node})\n`,
  );
  console.log(
    '| action | bundle | gzip | cold start (esbuild bundle) | cold start (naive: tsx on the source) |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
}

await main();
