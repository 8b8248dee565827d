/**
 * What every benchmark shares: its options (`--quick`, `--runs N`), summaries over runs
 * (min/median/max) and markdown output. Benchmarks print markdown on stdout; `bench/run.ts`
 * collects it into one file that can be pasted into BENCHMARKS.md.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';

export interface BenchOptions {
  /** One timed run per way and smaller sizes where a benchmark has them. */
  quick: boolean;
  /** Timed runs per way (default 5, or 1 with --quick). */
  runs: number;
}

export function benchOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const runsArg = argv.indexOf('--runs');
  const runsValue = runsArg >= 0 ? argv[runsArg + 1] : process.env.BENCH_RUNS;
  const runs = runsValue ? Number(runsValue) : quick ? 1 : 5;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs must be a positive integer, got "${runsValue}"`);
  }
  return { quick, runs };
}

export interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, runs: values.length };
}

/** `12 ms` / `1.23 s`, for a duration in milliseconds. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms.toFixed(0)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `min / median / max` of durations (one figure when there was one run). */
export function spread(s: Summary, format: (n: number) => string = duration): string {
  return s.runs === 1
    ? format(s.median)
    : `${format(s.min)} / **${format(s.median)}** / ${format(s.max)}`;
}

export function ratio(value: number, bound: number): string {
  return `${(value / bound).toFixed(2)}×`;
}

export function table(columns: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const rule = columns.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(columns), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function targetLine(target: string, met: boolean | undefined, detail: string): string {
  const verdict = met === undefined ? 'not measured' : met ? '**met**' : '**not met**';
  return `- Target: ${target}: ${verdict} (${detail})`;
}

/** The machine, for the record: cores, CPU model, load, Node. */
export function machine(): string {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(1));
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), load average ${load.join(' ')}, Node ${process.versions.node}`;
}

export function heading(title: string, options: BenchOptions, what: string): void {
  const name = path.basename(process.argv[1] ?? '').replace(/\.bench\.ts$/, '');
  console.log(`### ${title}\n`);
  console.log(
    `${what}\n\nReproduce: \`npm run bench -- ${name}\`. Machine: ${machine()}. Runs per way: ${options.runs}${options.quick ? ' (--quick)' : ''}; ` +
      'times are min / **median** / max.\n',
  );
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
