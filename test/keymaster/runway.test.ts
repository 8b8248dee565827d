import { describe, expect, it } from 'vitest';
import { formatRunway, runwayOf } from '../../src/keymaster/runway.js';

const ETH = 10n ** 18n;

describe('runwayOf', () => {
  it('is the balance over the spend rate, in tenths of a day rounded down', () => {
    // 10 ETH left, 1 ETH spent per day: 10 days.
    expect(formatRunway(runwayOf(10n * ETH, ETH, 86_400))).toBe('10.0 days');
    // 1 ETH per hour: 10/24 = 0.41666 days -> 0.4.
    expect(formatRunway(runwayOf(10n * ETH, ETH, 3_600))).toBe('0.4 days');
    // One wei short of 2.5 days stays at 2.4.
    expect(runwayOf(5n * ETH - 1n, 2n * ETH, 86_400)).toEqual({ kind: 'days', tenths: 24n });
  });

  it('has no end without spend, and none left with an empty bank', () => {
    expect(formatRunway(runwayOf(ETH, 0n, 60))).toBe('no spend yet');
    expect(formatRunway(runwayOf(0n, ETH, 60))).toBe('0.0 days');
    expect(() => runwayOf(ETH, ETH, 0)).toThrow(/positive whole number/);
  });
});
