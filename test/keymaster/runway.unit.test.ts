import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { formatRunway, runwayOf } from '../../src/keymaster/decide/runway.js';

const ETH = 10n ** 18n;
const show = (balance: bigint, spent: bigint, window: number) =>
  formatRunway(runwayOf(balance, spent, window));

describe('runwayOf', () => {
  it('is the balance over the spend rate, rounded down', () => {
    expect(runwayOf(10n * ETH, ETH, 86_400)).toEqual({ kind: 'seconds', seconds: 864_000n });
    expect(runwayOf(5n * ETH - 1n, 2n * ETH, 100)).toEqual({ kind: 'seconds', seconds: 249n });
    expect(runwayOf(-ETH, ETH, 60)).toEqual({ kind: 'seconds', seconds: 0n });
  });

  it('has not enough history when only the first fill was spent', () => {
    expect(show(90n * ETH, 10n * ETH, 0)).toBe('not enough history (only the first fill)');
    expect(show(ETH, 0n, 60)).toBe('no spend since the first fill');
    expect(() => runwayOf(ETH, ETH, -1)).toThrow(InputError);
    expect(() => runwayOf(ETH, ETH, -1)).toThrow(/whole number of seconds/);
    expect(() => runwayOf(ETH, ETH, 1.5)).toThrow(/whole number of seconds/);
  });
});

describe('formatRunway picks the unit its size calls for', () => {
  it.each([
    [59n, 'under a minute'],
    [60n, '1 minute'],
    [120n, '2 minutes'],
    [45n * 60n + 59n, '45 minutes'],
    [2n * 3600n - 1n, '119 minutes'],
    [2n * 3600n, '2.0 hours'],
    [30n * 3600n + 1799n, '30.4 hours'],
    [2n * 86_400n - 1n, '47.9 hours'],
    [2n * 86_400n, '2.0 days'],
    [10n * 86_400n + 86_399n, '10.9 days'],
    [100n * 86_400n, '100 days'],
    [365n * 86_400n + 86_399n, '365 days'],
  ])('%i seconds: %s', (seconds, text) => {
    expect(formatRunway({ kind: 'seconds', seconds })).toBe(text);
  });

  it('an hour of spend against ten times as much left is ten hours', () => {
    expect(show(10n * ETH, ETH, 3_600)).toBe('10.0 hours');
  });
});
