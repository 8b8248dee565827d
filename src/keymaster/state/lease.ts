import { errorMessage } from '../../errors.js';

/**
 * One payer per bank (DESIGN §6): before its first send a Keymaster takes the environment's lease,
 * an object in the private state bucket written with S3's conditional writes, renews it while it
 * runs and releases it at the end. Another Keymaster (a scheduled run beside a service, two
 * services, a manual run) finds it held, sends nothing, and says who holds it; it still reads,
 * reports and exports metrics. A holder that dies leaves the lease until it expires; the next
 * payer then takes it over. Nothing is paid twice meanwhile either way: nonces are explicit and
 * the bank's pending transactions count as paid (network.ts).
 *
 * The decision is pure (`leaseMove`); the store is passed in (src/aws/state-objects.ts).
 */

export interface LeaseRecord {
  /** Who pays: a GitHub run (`github:owner/repo/run/123/1`), a pod name, a host and pid. */
  holder: string;
  /** When this holder took it (ISO 8601). */
  since: string;
  /** Last renewal (ISO 8601). */
  renewedAt: string;
  /** After this instant anyone may take it over (ISO 8601). */
  expiresAt: string;
  /** Set by a clean release: free at once. */
  released?: boolean;
}

export interface LeaseStore {
  get(key: string): Promise<{ body: string; etag: string } | undefined>;
  putIfAbsent(key: string, body: string): Promise<{ ok: true; etag: string } | { ok: false }>;
  putIfMatch(
    key: string,
    body: string,
    etag: string,
  ): Promise<{ ok: true; etag: string } | { ok: false }>;
}

export type LeaseMove = 'create' | 'take-over' | 'renew' | 'held';

/** What to do with the lease as read: pure. */
export function leaseMove(
  current: LeaseRecord | undefined,
  holder: string,
  now: number,
): LeaseMove {
  if (current === undefined) return 'create';
  if (current.holder === holder && !current.released) return 'renew';
  if (current.released || Date.parse(current.expiresAt) <= now) return 'take-over';
  return 'held';
}

/** One line for an operator: who holds the lease, since when, until when. */
export function describeHolder(lease: LeaseRecord): string {
  return `${lease.holder} (since ${lease.since}, expires ${lease.expiresAt} unless renewed)`;
}

export type LeaseAttempt =
  | { held: true; record: LeaseRecord }
  | { held: false; holder: LeaseRecord | undefined; message: string };

export interface LeaseOptions {
  store: LeaseStore;
  /** The object's key, e.g. `lease/bank.json`. */
  key: string;
  holder: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  clock: () => number;
}

export interface Lease {
  /** Take the lease, or renew it when this holder has it already. */
  acquire(): Promise<LeaseAttempt>;
  /** Push the expiry out; false when the lease was lost (taken over after it expired). */
  renew(): Promise<boolean>;
  /** Free it at once for the next payer. Never throws: an unreleased lease just expires. */
  release(): Promise<string | undefined>;
}

function parse(body: string): LeaseRecord | undefined {
  try {
    const value = JSON.parse(body) as Partial<LeaseRecord>;
    if (typeof value.holder !== 'string' || typeof value.expiresAt !== 'string') return undefined;
    if (Number.isNaN(Date.parse(value.expiresAt))) return undefined;
    return value as LeaseRecord;
  } catch {
    return undefined;
  }
}

export function createLease(options: LeaseOptions): Lease {
  const { store, key, holder, ttlMs, clock } = options;
  let etag: string | undefined;
  let mine: LeaseRecord | undefined;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function attempt(): Promise<LeaseAttempt | 'raced'> {
    const now = clock();
    const stored = await store.get(key);
    // An unreadable lease object is treated as expired: only a conditional write replaces it.
    const current = stored
      ? (parse(stored.body) ?? {
          holder: '(unreadable)',
          since: '',
          renewedAt: '',
          expiresAt: iso(0),
        })
      : undefined;
    const move = leaseMove(current, holder, now);
    if (move === 'held') {
      return {
        held: false,
        holder: current,
        message: `the bank's lease is held by ${describeHolder(current!)}: this run sends nothing`,
      };
    }
    const record: LeaseRecord = {
      holder,
      since: move === 'renew' ? current!.since : iso(now),
      renewedAt: iso(now),
      expiresAt: iso(now + ttlMs),
    };
    const body = JSON.stringify(record);
    const written =
      move === 'create'
        ? await store.putIfAbsent(key, body)
        : await store.putIfMatch(key, body, stored!.etag);
    if (!written.ok) return 'raced';
    etag = written.etag;
    mine = record;
    return { held: true, record };
  }

  return {
    async acquire() {
      // A conditional write lost to another payer: read once more to name the winner.
      const first = await attempt();
      if (first !== 'raced') return first;
      const second = await attempt();
      if (second !== 'raced') return second;
      return {
        held: false,
        holder: undefined,
        message: `the bank's lease changed hands twice while this run tried to take it: this run sends nothing`,
      };
    },
    async renew() {
      if (!mine || etag === undefined) return false;
      const now = clock();
      const record = { ...mine, renewedAt: iso(now), expiresAt: iso(now + ttlMs) };
      const written = await store.putIfMatch(key, JSON.stringify(record), etag);
      if (!written.ok) {
        mine = undefined;
        etag = undefined;
        return false;
      }
      etag = written.etag;
      mine = record;
      return true;
    },
    async release() {
      if (!mine || etag === undefined) return undefined;
      const now = clock();
      const record = { ...mine, renewedAt: iso(now), expiresAt: iso(now), released: true };
      try {
        const written = await store.putIfMatch(key, JSON.stringify(record), etag);
        return written.ok ? undefined : 'the lease had been taken over before its release';
      } catch (error) {
        return `the lease could not be released (${errorMessage(error)}); it frees itself at ${mine.expiresAt}`;
      } finally {
        mine = undefined;
        etag = undefined;
      }
    },
  };
}
