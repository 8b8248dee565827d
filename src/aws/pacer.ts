import { InputError } from '../errors.js';

/**
 * Starts tasks no more often than a rate: one every `1000 / perSecond` ms, in the order they
 * were asked for. KMS counts requests per second per operation (CreateKey and CreateAlias: 5/s
 * by default), so writes paced this way are never throttled, where a concurrency limit alone
 * sends bursts the SDK's retries then absorb.
 */
export type Pacer = <T>(task: () => Promise<T>) => Promise<T>;

export interface PacerOptions {
  perSecond: number;
  /** Milliseconds; default `performance.now`. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createPacer(options: PacerOptions): Pacer {
  const { perSecond } = options;
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    throw new InputError(`pacer rate must be a positive number per second, got ${perSecond}`);
  }
  const interval = 1000 / perSecond;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  let nextSlot = -Infinity;
  return async (task) => {
    // The slot is taken synchronously, so concurrent callers get distinct, ordered slots.
    const slot = Math.max(now(), nextSlot);
    nextSlot = slot + interval;
    const wait = slot - now();
    if (wait > 0) await sleep(wait);
    return task();
  };
}
