import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { createLimiter, mapLimited } from '../../src/pool.js';

/** Lets other tasks run a few turns, so tasks finish in another order than they started. */
async function turns(n: number): Promise<void> {
  for (let turn = 0; turn < n; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('the worker pool', () => {
  it('refuses a limit that is not a positive whole number', () => {
    expect(() => createLimiter(0)).toThrow(InputError);
    expect(() => createLimiter(1.5)).toThrow(InputError);
  });

  it('maps in the items’ order, never more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([...Array(12).keys()], 4, async (item, index) => {
      running++;
      peak = Math.max(peak, running);
      await turns(3 - (item % 4));
      running--;
      return `${item}@${index}`;
    });
    expect(peak).toBe(4);
    expect(out).toEqual([...Array(12).keys()].map((i) => `${i}@${i}`));
  });

  it('rejects with the first failure and starts no item after it', async () => {
    const started: number[] = [];
    const failure = new Error('item 2 failed');
    await expect(
      mapLimited([0, 1, 2, 3, 4, 5, 6, 7], 2, async (item) => {
        started.push(item);
        await turns(item === 2 ? 0 : 2);
        if (item === 2) throw failure;
        return item;
      }),
    ).rejects.toBe(failure);
    await turns(10);
    expect(started).toEqual([0, 1, 2]);
  });

  it('maps an empty list to an empty list', async () => {
    expect(await mapLimited([], 3, async () => 1)).toEqual([]);
  });
});
