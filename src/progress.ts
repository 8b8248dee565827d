/**
 * Progress of a long operation (keys apply, IAM apply, a sweep of many chains), on stderr so
 * that `--json` stdout stays clean. On a terminal a live bar redrawn in place; elsewhere (CI,
 * GitHub Actions logs) a plain line at the start, then at most one per `everyMs`, and one at the
 * end. The stream and the clock are passed in; this module imports nothing of the toolkit, so
 * every layer may use it.
 *
 *   const progress = createProgress({ sink: stderrSink(), label: 'keys apply' });
 *   progress.addTotal(218);
 *   progress.advance('CreateAlias alias/staging-bank');
 *   progress.finish();
 *
 * With `reconcile()`: `{ ...reconcileProgress(progress) }` in its options counts every step.
 */

export interface ProgressSink {
  write(text: string): void;
  /** A terminal: redraw one line in place. */
  isTTY?: boolean | undefined;
  /** Terminal width; the bar line is cut to it. */
  columns?: number | undefined;
}

export interface ProgressOptions {
  sink: ProgressSink;
  /** What is in progress, e.g. `keys apply`. */
  label: string;
  /** What one unit is, for plain lines (default `steps`). */
  unit?: string;
  /** Milliseconds; default `performance.now`. */
  now?: () => number;
  /** Plain output: at most one line per this many milliseconds (default 5,000). */
  everyMs?: number;
  /** Terminal: at most one redraw per this many milliseconds (default 100). */
  redrawMs?: number;
}

export interface Progress {
  /** One line at once saying what is under way before the steps are known (e.g. reading). */
  begin(what: string): void;
  /** More units to do (a second pass adds its own); shows the first line at once. */
  addTotal(units: number): void;
  /** One unit done; `note` says which, `failed` counts it as failed. */
  advance(note?: string, failed?: boolean): void;
  /** The closing line (a terminal's bar ends with a newline). Nothing if nothing started. */
  finish(): void;
}

/** Progress that shows nothing (tests, `--quiet`, library use). */
export const noProgress: Progress = {
  begin: () => {},
  addTotal: () => {},
  advance: () => {},
  finish: () => {},
};

const BAR_WIDTH = 24;

export function createProgress(options: ProgressOptions): Progress {
  const { sink, label } = options;
  const unit = options.unit ?? 'steps';
  const now = options.now ?? (() => performance.now());
  const every = options.everyMs ?? 5000;
  const redraw = options.redrawMs ?? 100;
  let total = 0;
  let done = 0;
  let failed = 0;
  let note = '';
  let started: number | undefined;
  let lastShown = -Infinity;
  let finished = false;
  let begun = false;

  const counts = () => `${done}/${total} ${unit}` + (failed ? ` (${failed} failed)` : '');
  const rate = (at: number) => {
    const seconds = (at - started!) / 1000;
    return seconds >= 1 ? `, ${(done / seconds).toFixed(1)}/s` : '';
  };
  const bar = () => {
    const filled = total ? Math.round((done / total) * BAR_WIDTH) : 0;
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  };
  const show = (force: boolean) => {
    const at = now();
    if (sink.isTTY) {
      if (!force && at - lastShown < redraw) return;
      const line = `${label} ${bar()} ${counts()}${note ? ` ${note}` : ''}`;
      const width = sink.columns && sink.columns > 1 ? sink.columns - 1 : line.length;
      sink.write(`\r\x1b[2K${line.slice(0, width)}`);
    } else {
      if (!force && at - lastShown < every) return;
      sink.write(`${label}: ${counts()}${rate(at)}${note ? ` (last: ${note})` : ''}\n`);
    }
    lastShown = at;
  };

  return {
    begin(what) {
      begun = true;
      if (sink.isTTY) sink.write(`\r\x1b[2K${label}: ${what}`);
      else sink.write(`${label}: ${what}\n`);
    },
    addTotal(units) {
      total += units;
      if (started === undefined) {
        started = now();
        show(true);
      }
    },
    advance(what, hasFailed) {
      done++;
      if (hasFailed) failed++;
      note = what ?? '';
      show(false);
    },
    finish() {
      if (started === undefined || finished) {
        // A terminal's `begin` line ends here when no step ran (nothing to apply).
        if (begun && !finished && sink.isTTY) sink.write('\n');
        finished = true;
        return;
      }
      finished = true;
      note = '';
      show(true);
      if (sink.isTTY) sink.write('\n');
    },
  };
}

/** `reconcile()` options that count its steps (each pass adds its steps to the total). */
export function reconcileProgress(progress: Progress): {
  onApplyStart: (steps: number) => void;
  onStepDone: (description: string, error?: unknown) => void;
} {
  return {
    onApplyStart: (steps) => progress.addTotal(steps),
    onStepDone: (description, error) => progress.advance(description, error !== undefined),
  };
}

/** The process's stderr as a progress sink. */
export function stderrSink(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  return {
    write: (text) => void stream.write(text),
    isTTY: stream.isTTY,
    columns: stream.columns,
  };
}
