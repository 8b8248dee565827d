/**
 * How long a bank lasts at a spend rate: its balance over what it spent in a window, in days.
 * Integer wei throughout; the result is tenths of a day, rounded down (never optimistic).
 */

const DAY_SECONDS = 86_400n;

export type Runway = { kind: 'days'; tenths: bigint } | { kind: 'no-spend' };

export function runwayOf(balanceWei: bigint, spentWei: bigint, windowSeconds: number): Runway {
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(
      `the spend window must be a positive whole number of seconds, not ${windowSeconds}`,
    );
  }
  if (spentWei <= 0n) return { kind: 'no-spend' };
  const balance = balanceWei > 0n ? balanceWei : 0n;
  return {
    kind: 'days',
    tenths: (balance * BigInt(windowSeconds) * 10n) / (spentWei * DAY_SECONDS),
  };
}

export function formatRunway(runway: Runway): string {
  if (runway.kind === 'no-spend') return 'no spend yet';
  return `${runway.tenths / 10n}.${runway.tenths % 10n} days`;
}
