import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/aws/pacer.js';
import { KMS_WRITES_PER_SECOND_ENV, kmsWritesPerSecond } from '../../src/jobs/keys-rate.js';
import { InputError } from '../../src/errors.js';
import { createProgress, reconcileProgress } from '../../src/progress.js';

describe('pacer', () => {
  it('starts tasks one interval apart, in the order asked, however many ask at once', async () => {
    const slept: number[] = [];
    const started: number[] = [];
    const pace = createPacer({
      perSecond: 5,
      now: () => 0,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pace(() => {
          started.push(i);
          return Promise.resolve(i * 10);
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    // All asked at 0 ms: the first starts at once, the others 200 ms apart.
    expect(slept).toEqual([200, 400, 600, 800, 1000]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('does not wait when the last start is more than an interval ago', async () => {
    let t = 0;
    const clock = {
      now: () => t,
      sleep: (ms: number) => {
        t += ms;
        return Promise.resolve();
      },
      set: (ms: number) => void (t = ms),
    };
    const slept: number[] = [];
    const pace = createPacer({
      perSecond: 2,
      now: clock.now,
      sleep: (ms) => {
        slept.push(ms);
        return clock.sleep(ms);
      },
    });
    await pace(() => Promise.resolve());
    clock.set(10_000);
    await pace(() => Promise.resolve());
    await pace(() => Promise.resolve());
    expect(slept).toEqual([500]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createPacer({ perSecond: 0 })).toThrow(InputError);
  });
});

describe('progress', () => {
  const capture = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, sink: { write: (t: string) => void out.push(t), isTTY, columns: 60 } };
  };

  it('prints plain lines at the start, at most one per interval, and at the end', () => {
    const { out, sink } = capture(false);
    let t = 0;
    const p = createProgress({ sink, label: 'keys apply', now: () => t, everyMs: 5000 });
    p.addTotal(4);
    t = 1000;
    p.advance('CreateKey for alias/a');
    t = 6000;
    p.advance('CreateAlias alias/a', true);
    t = 7000;
    p.advance('CreateKey for alias/b');
    p.advance('CreateAlias alias/b');
    p.finish();
    expect(out).toEqual([
      'keys apply: 0/4 steps\n',
      'keys apply: 2/4 steps (1 failed), 0.3/s (last: CreateAlias alias/a)\n',
      'keys apply: 4/4 steps (1 failed), 0.6/s\n',
    ]);
  });

  it('redraws one line in place on a terminal, cut to its width, and ends it', () => {
    const { out, sink } = capture(true);
    let t = 0;
    const p = createProgress({ sink, label: 'keys apply', now: () => t, redrawMs: 100 });
    p.addTotal(2);
    t = 50;
    p.advance('CreateKey for alias/staging-kovan-updater-signer-with-a-long-name');
    t = 200;
    p.advance('CreateAlias alias/x');
    p.finish();
    expect(out[0]).toBe('\r\x1b[2Kkeys apply [------------------------] 0/2 steps');
    // The first advance came within 100 ms of the first line: not drawn.
    expect(out).toHaveLength(4);
    expect(out[1]).toBe('\r\x1b[2Kkeys apply [########################] 2/2 steps CreateAlias');
    expect(out[2]).toBe('\r\x1b[2Kkeys apply [########################] 2/2 steps');
    expect(out[3]).toBe('\n');
    // Cut to the terminal's width less one, so the line never wraps.
    for (const line of out) expect(line.replace('\r\x1b[2K', '').length).toBeLessThan(60);
  });

  it('prints nothing for an operation with nothing to do', () => {
    const { out, sink } = capture(false);
    const p = createProgress({ sink, label: 'keys apply' });
    p.finish();
    expect(out).toEqual([]);
  });

  it('says what is under way at once, before the steps are known', () => {
    const plain = capture(false);
    const p = createProgress({ sink: plain.sink, label: 'keys apply', now: () => 0 });
    p.begin('staging: reading the keys');
    expect(plain.out).toEqual(['keys apply: staging: reading the keys\n']);
    p.addTotal(1);
    p.advance('CreateKey for alias/a');
    p.finish();
    expect(plain.out.at(-1)).toBe('keys apply: 1/1 steps\n');

    // On a terminal the line is redrawn by the bar, or ended when nothing was to do.
    const tty = capture(true);
    const idle = createProgress({ sink: tty.sink, label: 'keys apply' });
    idle.begin('staging: reading the keys');
    idle.finish();
    idle.finish();
    expect(tty.out).toEqual(['\r\x1b[2Kkeys apply: staging: reading the keys', '\n']);
  });

  it('counts the steps of reconcile(), passes adding up', () => {
    const { out, sink } = capture(false);
    const p = createProgress({ sink, label: 'iam apply', now: () => 0 });
    const hooks = reconcileProgress(p);
    hooks.onApplyStart(2);
    hooks.onStepDone('a');
    hooks.onStepDone('b', new Error('no'));
    hooks.onApplyStart(1);
    hooks.onStepDone('c');
    p.finish();
    expect(out.at(-1)).toBe('iam apply: 3/3 steps (1 failed)\n');
  });
});

describe('the KMS write rate', () => {
  it('comes from the flag, else the environment variable, else the default', () => {
    expect(kmsWritesPerSecond('20', { [KMS_WRITES_PER_SECOND_ENV]: '8' })).toBe(20);
    expect(kmsWritesPerSecond(undefined, { [KMS_WRITES_PER_SECOND_ENV]: '8' })).toBe(8);
    expect(kmsWritesPerSecond(undefined, {})).toBeUndefined();
  });

  it('refuses what is not a positive rate, naming where it came from', () => {
    expect(() => kmsWritesPerSecond('fast', {})).toThrow(InputError);
    expect(() => kmsWritesPerSecond('0', {})).toThrow(/--kms-writes-per-second is "0"/);
    expect(() => kmsWritesPerSecond(undefined, { [KMS_WRITES_PER_SECOND_ENV]: '-1' })).toThrow(
      new RegExp(`${KMS_WRITES_PER_SECOND_ENV} is "-1"`),
    );
  });
});
