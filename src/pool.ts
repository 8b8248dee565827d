import { InputError } from './errors.js';

/**
 * The project's one bounded worker pool: a limiter that runs at most `concurrency` of the tasks
 * given to it at a time (a dependency-free p-limit), and `mapLimited` over a list built on it.
 */

/** Runs at most `concurrency` of the given tasks at a time. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InputError(`limiter concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const waiting: Array<() => void> = [];
  // A finishing task hands its slot straight to the next waiter, so a newcomer cannot jump in
  // between and push the count over the limit.
  const acquire = () =>
    active < concurrency
      ? (active++, Promise.resolve())
      : new Promise<void>((resolve) => waiting.push(resolve));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (task) => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/**
 * `fn` over every item, at most `limit` at a time; the answers in the items' order. The first
 * failure rejects the whole and no item starts after it (items under way run to their end).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const run = createLimiter(limit);
  let failed = false;
  return Promise.all(
    items.map((item, index) =>
      run(async () => {
        if (failed) throw new Error('not started: an earlier item failed');
        try {
          return await fn(item, index);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
}
