import { InputError } from '../../errors.js';

/**
 * How long a bank lasts at a spend rate: its balance over what it spent in a window. The spend
 * must not include the first fill (wallets topped up from empty): that says nothing about the
 * rate, so until a window after it exists the answer is "not enough history". Integer wei and
 * whole seconds throughout, rounded down (never optimistic).
 */

export type Runway =
  { kind: 'seconds'; seconds: bigint } | { kind: 'no-spend' } | { kind: 'not-enough-history' };

/**
 * `spentWei` is what the bank spent over the last `windowSeconds`, after the first fill;
 * a window of 0 means there is only the first fill so far.
 */
export function runwayOf(balanceWei: bigint, spentWei: bigint, windowSeconds: number): Runway {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0) {
    throw new InputError(
      `the spend window must be a whole number of seconds (0: only the first fill), not ${windowSeconds}`,
    );
  }
  if (windowSeconds === 0) return { kind: 'not-enough-history' };
  if (spentWei <= 0n) return { kind: 'no-spend' };
  const balance = balanceWei > 0n ? balanceWei : 0n;
  return { kind: 'seconds', seconds: (balance * BigInt(windowSeconds)) / spentWei };
}

const MINUTE = 60n;
const HOUR = 3_600n;
const DAY = 86_400n;

/** `n` in `unit`, rounded down to tenths below 100 and to whole units above. */
function inUnit(seconds: bigint, unit: bigint, name: string): string {
  const tenths = (seconds * 10n) / unit;
  const text = tenths >= 1000n ? `${tenths / 10n}` : `${tenths / 10n}.${tenths % 10n}`;
  return `${text} ${name}`;
}

/** Minutes under two hours, hours under two days, days beyond: the unit its size calls for. */
export function formatRunway(runway: Runway): string {
  if (runway.kind === 'not-enough-history') return 'not enough history (only the first fill)';
  if (runway.kind === 'no-spend') return 'no spend since the first fill';
  const s = runway.seconds;
  if (s < MINUTE) return 'under a minute';
  if (s < 2n * HOUR) return s < 2n * MINUTE ? '1 minute' : `${s / MINUTE} minutes`;
  if (s < 2n * DAY) return inUnit(s, HOUR, 'hours');
  return inUnit(s, DAY, 'days');
}
