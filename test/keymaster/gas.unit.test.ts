import { describe, expect, it } from 'vitest';
import { capQuote, readEstimate, replacementFees } from '../../src/keymaster/send/gas.js';

const GWEI = 10n ** 9n;

describe('readEstimate', () => {
  it('a plain transfer keeps 21,000; a contract gets a fifth more, never above the ceiling', () => {
    expect(readEstimate({ ok: true, result: '0x5208' }, 100_000n)).toEqual({
      kind: 'ok',
      gasLimit: 21_000n,
      estimate: 21_000n,
    });
    expect(readEstimate({ ok: true, result: '0xa410' }, 100_000n)).toMatchObject({
      gasLimit: 50_400n,
    });
    expect(readEstimate({ ok: true, result: '0xa410' }, 45_000n)).toMatchObject({
      gasLimit: 45_000n,
    });
    expect(readEstimate({ ok: true, result: '0xa410' }, 30_000n)).toMatchObject({
      kind: 'unfundable',
    });
  });

  it('a revert is unfundable; a bank short of the amount or a missing answer is only unknown', () => {
    expect(readEstimate({ ok: false, code: 3, message: 'execution reverted' }, 100_000n).kind).toBe(
      'unfundable',
    );
    expect(
      readEstimate(
        { ok: false, code: -32000, message: 'insufficient funds for gas * price + value' },
        100_000n,
      ).kind,
    ).toBe('unknown');
    expect(
      readEstimate({ ok: false, code: undefined, message: 'no answer', missing: true }, 100_000n)
        .kind,
    ).toBe('unknown');
  });
});

describe('replacementFees', () => {
  const sent = { type: 2 as const, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI };

  it('keeps a transaction that still bids what the chain asks', () => {
    expect(replacementFees(sent, sent)).toEqual({ kind: 'keep' });
  });

  it('bumps both fees by at least 12.5 % and to the current quote', () => {
    const small = replacementFees(sent, { ...sent, maxFeePerGas: 3n * GWEI + 1n });
    expect(small).toEqual({
      kind: 'replace',
      fees: { type: 2, maxFeePerGas: 3_375_000_000n, maxPriorityFeePerGas: 1_125_000_000n },
    });
    const large = replacementFees(sent, {
      type: 2,
      maxFeePerGas: 400n * GWEI,
      maxPriorityFeePerGas: 2n * GWEI,
    });
    expect(large).toEqual({
      kind: 'replace',
      fees: { type: 2, maxFeePerGas: 400n * GWEI, maxPriorityFeePerGas: 2n * GWEI },
    });
  });

  it('never above the cap: capped when no valid bump fits', () => {
    const current = { type: 2 as const, maxFeePerGas: 400n * GWEI, maxPriorityFeePerGas: GWEI };
    expect(replacementFees(sent, current, 50n * GWEI).kind).toBe('capped');
    expect(
      replacementFees(
        { type: 0, gasPrice: 10n * GWEI },
        { type: 0, gasPrice: 20n * GWEI },
        15n * GWEI,
      ).kind,
    ).toBe('capped');
    expect(
      replacementFees({ type: 0, gasPrice: 10n * GWEI }, { type: 0, gasPrice: 11n * GWEI }),
    ).toEqual({
      kind: 'replace',
      fees: { type: 0, gasPrice: 11_250_000_000n },
    });
  });

  it('capQuote lowers a quote to the cap, the tip never above the fee', () => {
    expect(capQuote({ type: 2, maxFeePerGas: 9n, maxPriorityFeePerGas: 8n }, 5n)).toEqual({
      type: 2,
      maxFeePerGas: 5n,
      maxPriorityFeePerGas: 5n,
    });
    expect(capQuote({ type: 0, gasPrice: 9n }, undefined)).toEqual({ type: 0, gasPrice: 9n });
  });
});
