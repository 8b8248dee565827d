import { describe, expect, it } from 'vitest';
import {
  inState,
  planAttempts,
  resultsOf,
  withMoved,
  type Attempt,
  type AttemptIn,
  type Attempts,
} from '../../src/keymaster/send/attempt.js';
import { minedBy } from '../../src/keymaster/send/receipts.js';
import { afterBroadcast } from '../../src/keymaster/send/send.js';
import type { FeeQuote } from '../../src/keymaster/types.js';

/** The send path's attempts as values: pure transitions, keyed by nonce (see attempt.ts). */

const FEES: FeeQuote = { type: 2, maxFeePerGas: 30n, maxPriorityFeePerGas: 2n };
const hashAt = (nonce: number, version = 0) =>
  `0x${String(nonce * 10 + version).padStart(64, '0')}`;

function signedAttempts(count: number, startNonce = 7): Attempts {
  const planned = planAttempts({
    network: 'alpha',
    chainId: 1,
    startNonce,
    fees: FEES,
    transfers: Array.from({ length: count }, (_, i) => ({
      to: `0x${String(i + 1).padStart(40, '0')}`,
      amount: BigInt(i + 1) * 100n,
    })),
  });
  return withMoved(
    planned,
    inState(planned, 'planned').map((a): Attempt => ({
      ...a,
      state: 'signed',
      raw: `0xraw${a.nonce}`,
      hash: hashAt(a.nonce),
    })),
  );
}

function open(overrides: Partial<AttemptIn<'broadcast'>> = {}): AttemptIn<'broadcast'> {
  const [first] = inState(signedAttempts(1), 'signed');
  return {
    network: 'alpha',
    chainId: 1,
    nonce: first!.nonce,
    transfer: first!.transfer,
    fees: FEES,
    notes: ['broadcast not confirmed: timeout'],
    state: 'broadcast',
    hash: hashAt(7, 1),
    replaced: [hashAt(7, 0)],
    ...overrides,
  };
}

const receipt = (fields: Record<string, string | undefined>) => ({
  status: '0x1',
  blockNumber: '0x10',
  gasUsed: '0x5208',
  effectiveGasPrice: '0x14',
  ...fields,
});

describe('withMoved: only the moves of the state diagram', () => {
  it('a final state never moves again, and a nonce not planned is never moved to', () => {
    const signed = signedAttempts(2);
    const [first] = inState(signed, 'signed');
    const failed: Attempt = { ...first!, state: 'failed', status: 'not-sent' };
    const after = withMoved(signed, [failed]);
    // Sending a failed nonce again: refused, whatever step tries it.
    expect(() => withMoved(after, [{ ...first!, state: 'broadcast', replaced: [] }])).toThrow(
      /nonce 7 from failed to broadcast.*bug/,
    );
    expect(() => withMoved(after, [{ ...first!, nonce: 99 }])).toThrow(/nonce 99 from nowhere/);
    // Skipping signing: planned straight to broadcast is no move of the diagram.
    const planned = planAttempts({
      network: 'a',
      chainId: 1,
      startNonce: 0,
      fees: FEES,
      transfers: [first!.transfer],
    });
    const [fresh] = inState(planned, 'planned');
    expect(() =>
      withMoved(planned, [{ ...fresh!, state: 'broadcast', hash: hashAt(0), replaced: [] }]),
    ).toThrow(/from planned to broadcast/);
  });
});

describe('afterBroadcast: each nonce takes its own answer', () => {
  it('answers given in any order land on their nonces; the input attempts are left as they were', () => {
    const signed = signedAttempts(4);
    const before = resultsOf(signed);
    // Keyed by nonce, inserted backwards: a position would give nonce 7 the answer of nonce 10.
    const answers = new Map([
      [10, { kind: 'accepted' as const }],
      [9, { kind: 'unconfirmed' as const, message: 'socket hang up' }],
      [8, { kind: 'refused' as const, message: 'intrinsic gas too low' }],
      [7, { kind: 'accepted' as const }],
    ]);
    const after = afterBroadcast(signed, answers);
    expect([...after.values()].map((a) => [a.nonce, a.state])).toEqual([
      [7, 'broadcast'],
      [8, 'refused'],
      [9, 'broadcast'],
      [10, 'broadcast'],
    ]);
    expect(after.get(8)).toMatchObject({ raw: '0xraw8', message: 'intrinsic gas too low' });
    expect(after.get(9)?.notes).toEqual(['broadcast not confirmed: socket hang up']);
    expect(after.get(7)?.notes).toEqual([]);
    // A new map: the signed attempts are unchanged.
    expect(resultsOf(signed)).toEqual(before);
    expect(inState(signed, 'signed')).toHaveLength(4);
  });

  it('a nonce without an answer (an earlier chunk unconfirmed) is not sent, and reports no hash', () => {
    const after = afterBroadcast(signedAttempts(2), new Map([[7, { kind: 'accepted' as const }]]));
    const [first, second] = resultsOf(after);
    expect(first).toMatchObject({ nonce: 7, status: 'timeout', hash: hashAt(7) });
    expect(second).toMatchObject({ nonce: 8, status: 'not-sent' });
    expect(second?.hash).toBeUndefined();
    expect(second?.error).toMatch(/earlier broadcast was not confirmed/);
  });
});

describe('minedBy: a receipt of any version settles the nonce', () => {
  it('the current version mined: its fee, notes cleared, the earlier version replaced', () => {
    const mined = minedBy(open(), hashAt(7, 1), receipt({}));
    expect(mined).toMatchObject({ state: 'mined', hash: hashAt(7, 1), replaced: [hashAt(7, 0)] });
    const [result] = resultsOf(new Map([[7, mined]]));
    expect(result).toMatchObject({
      status: 'mined',
      blockNumber: 16,
      gasUsed: 21_000n,
      fee: 420_000n,
    });
    expect(result?.error).toBeUndefined();
  });

  it('an earlier version mined: it is the payment, and the later one is the replaced', () => {
    const mined = minedBy(open(), hashAt(7, 0), receipt({}));
    expect(mined).toMatchObject({ hash: hashAt(7, 0), replaced: [hashAt(7, 1)] });
  });

  it('the cancel mined: cancelled; a failed status: reverted', () => {
    const cancelled = minedBy(open({ cancelHash: hashAt(7, 1) }), hashAt(7, 1), receipt({}));
    expect(cancelled.state === 'mined' && cancelled.receipt.status).toBe('cancelled');
    const reverted = minedBy(open(), hashAt(7, 1), receipt({ status: '0x0' }));
    expect(reverted.state === 'mined' && reverted.receipt.status).toBe('reverted');
  });

  it('without effectiveGasPrice a legacy fee is exact and an EIP-1559 fee unknown', () => {
    const legacy = minedBy(
      open({ fees: { type: 0, gasPrice: 9n } }),
      hashAt(7, 1),
      receipt({ effectiveGasPrice: undefined }),
    );
    expect(legacy.state === 'mined' && legacy.receipt.fee).toBe(21_000n * 9n);
    const dynamic = minedBy(open(), hashAt(7, 1), receipt({ effectiveGasPrice: undefined }));
    expect(dynamic.state === 'mined' && dynamic.receipt.fee).toBeUndefined();
  });

  it('an unreadable status or block throws, so the attempt stays open', () => {
    expect(() => minedBy(open(), hashAt(7, 1), receipt({ status: 'yes' }))).toThrow(/status/);
    expect(() => minedBy(open(), hashAt(7, 1), receipt({ blockNumber: undefined }))).toThrow(
      /blockNumber/,
    );
  });
});

describe('resultsOf: one result per nonce, in nonce order, whatever the map order', () => {
  it('states map to the statuses summaries, metrics and the ledger read', () => {
    const signed = signedAttempts(3);
    const [a, b, c] = inState(signed, 'signed');
    const moved: Attempt[] = [
      { ...c!, state: 'failed', status: 'rejected', fillHash: hashAt(9, 5), notes: ['refused'] },
      { ...b!, state: 'unknown', replaced: [], notes: ['not mined'] },
      minedBy({ ...a!, state: 'broadcast', replaced: [] }, a!.hash, receipt({})),
    ];
    const results = resultsOf(new Map(moved.map((m) => [m.nonce, m])));
    expect(results.map((r) => [r.nonce, r.status, r.error])).toEqual([
      [7, 'mined', undefined],
      [8, 'timeout', 'not mined'],
      [9, 'rejected', 'refused'],
    ]);
    expect(results[2]).toMatchObject({ fillHash: hashAt(9, 5), hash: hashAt(9) });
  });
});
