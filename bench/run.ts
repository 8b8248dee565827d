/**
 * Runs the benchmarks one after another (each starts its own emulators) and writes their markdown
 * to one file, ready to paste into BENCHMARKS.md:
 *
 *   npm run bench                       every benchmark, 5 runs per way (about 10 minutes idle)
 *   npm run bench -- --quick            one run per way, smaller sizes where there are any
 *   npm run bench -- sweep keys-apply   the benchmarks whose file name contains a word given
 *   npm run bench -- --runs 3 --out results.md
 *
 * Options after `--` are passed on to each benchmark (`--quick`, `--runs N`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machine } from './support/common.js';

const dir = import.meta.dirname;
const root = path.resolve(dir, '..');
/** The order they run in: the ones that build lib/ first share the build. */
const ORDER = ['startup', 'keys-apply', 'keys-plan', 'signer', 'sweep', 'topups', 'bundles'];

const args = process.argv.slice(2);
const passOn: string[] = [];
const words: string[] = [];
let out = path.join(root, '.tmp/bench-results.md');
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--out') out = path.resolve(args[++i] ?? '');
  else if (arg === '--runs') passOn.push(arg, args[++i] ?? '');
  else if (arg.startsWith('--')) passOn.push(arg);
  else words.push(arg);
}
const rank = (f: string) => {
  const i = ORDER.indexOf(f.replace('.bench.ts', ''));
  return i < 0 ? ORDER.length : i;
};
const benches = readdirSync(dir)
  .filter(
    (f) => f.endsWith('.bench.ts') && (words.length === 0 || words.some((w) => f.includes(w))),
  )
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (benches.length === 0) {
  console.error(`no benchmark matches ${words.join(', ')}: see bench/*.bench.ts`);
  process.exit(2);
}

function runOne(file: string): Promise<{ code: number | null; output: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(dir, file), ...passOn],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, ms: performance.now() - started }));
  });
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
})();
const sections: string[] = [
  `Run of ${new Date().toISOString().slice(0, 16)}Z at commit ${commit}: ${machine()} at the start; ` +
    `\`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\`.`,
];
let failed = 0;
const started = performance.now();
for (const file of benches) {
  console.log(`\n<!-- ${file} -->\n`);
  const result = await runOne(file);
  sections.push(`<!-- ${file}: ${(result.ms / 1000).toFixed(0)} s -->\n\n${result.output.trim()}`);
  if (result.code !== 0) {
    failed++;
    sections.push(`(${file} failed with exit code ${result.code})`);
  }
}
sections.push(
  `Whole run: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${machine()}.`,
);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, sections.join('\n\n') + '\n');
console.log(
  `\nResults written to ${path.relative(process.cwd(), out)}${failed ? ` (${failed} failed)` : ''}`,
);
process.exitCode = failed > 0 ? 1 : 0;
