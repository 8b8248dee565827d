/**
 * The bank rotation's pure decision per chain (src/keymaster/bank-rotation.ts): the old bank
 * sends its balance less the most its transfer can cost, never when it would fail or the balance
 * does not cover the fee; the alias moves only when every chain holds less than one fee.
 */
import { describe, expect, it } from 'vitest';
import {
  aliasMayMove,
  decideSweep,
  sweepThreshold,
} from '../../src/keymaster/bank-rotation/decide.js';
import type { FeeQuote } from '../../src/keymaster/types.js';

const GWEI = 10n ** 9n;
const fees: FeeQuote = { type: 2, maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: GWEI };
const FEE = 21_000n * 30n * GWEI;
const ok = (gasLimit = 21_000n) => ({ kind: 'ok' as const, gasLimit, estimate: gasLimit });

describe('decideSweep', () => {
  it('sends the balance less the most the transfer can cost, at the estimated gas limit', () => {
    const balance = 5n * 10n ** 18n;
    expect(
      decideSweep({ network: 'alpha', balance: { known: true, wei: balance }, fees, gas: ok() }),
    ).toEqual({
      kind: 'sweep',
      network: 'alpha',
      amount: balance - FEE,
      fee: FEE,
      gasLimit: 21_000n,
    });
    // A recipient that needs more gas pays more fee: the amount shrinks by exactly that.
    const big = decideSweep({
      network: 'alpha',
      balance: { known: true, wei: balance },
      fees,
      gas: ok(50_000n),
    });
    expect(big).toMatchObject({ kind: 'sweep', amount: balance - 50_000n * 30n * GWEI });
  });

  it('asks for an estimate before it decides to send', () => {
    expect(
      decideSweep({ network: 'alpha', balance: { known: true, wei: 10n ** 18n }, fees }),
    ).toEqual({ kind: 'estimate', network: 'alpha', amount: 10n ** 18n - FEE });
  });

  it('is swept below one transfer fee (dust no transfer could move), whatever the estimate', () => {
    expect(sweepThreshold(fees)).toBe(FEE);
    expect(
      decideSweep({ network: 'alpha', balance: { known: true, wei: FEE - 1n }, fees }),
    ).toEqual({ kind: 'swept', network: 'alpha', balance: FEE - 1n, fee: FEE });
    // At exactly one fee, a plain transfer would move nothing: it asks to estimate (amount 0)…
    expect(decideSweep({ network: 'alpha', balance: { known: true, wei: FEE }, fees })).toEqual({
      kind: 'estimate',
      network: 'alpha',
      amount: 0n,
    });
    // …and never sends a transfer whose fee eats the whole balance.
    expect(
      decideSweep({ network: 'alpha', balance: { known: true, wei: FEE }, fees, gas: ok() }),
    ).toMatchObject({ kind: 'wait', failed: true });
  });

  it('never sends when the transfer would revert, the balance or fees are unknown, or money is in flight', () => {
    const balance = { known: true as const, wei: 10n ** 18n };
    const reverts = decideSweep({
      network: 'alpha',
      balance,
      fees,
      gas: { kind: 'unfundable', reason: 'execution reverted' },
    });
    expect(reverts).toMatchObject({ kind: 'wait', failed: true });
    expect(reverts.kind === 'wait' && reverts.reason).toContain('execution reverted');
    expect(
      decideSweep({ network: 'alpha', balance: { known: false, reason: 'timeout' }, fees }),
    ).toMatchObject({ kind: 'wait', failed: true });
    expect(decideSweep({ network: 'alpha', balance })).toMatchObject({
      kind: 'wait',
      failed: true,
    });
    // In flight is not a failure: the next run sweeps once it is mined.
    expect(
      decideSweep({ network: 'alpha', balance, fees, gas: ok(), busy: '1 transaction in flight' }),
    ).toEqual({ kind: 'wait', network: 'alpha', reason: '1 transaction in flight', failed: false });
  });

  it('prices legacy chains by their gas price', () => {
    const legacy: FeeQuote = { type: 0, gasPrice: 7n * GWEI };
    expect(
      decideSweep({
        network: 'b',
        balance: { known: true, wei: 10n ** 18n },
        fees: legacy,
        gas: ok(),
      }),
    ).toMatchObject({ kind: 'sweep', amount: 10n ** 18n - 21_000n * 7n * GWEI });
  });
});

describe('aliasMayMove', () => {
  const swept = (network: string) => ({ kind: 'swept' as const, network, balance: 0n, fee: FEE });
  it('only when every expected chain is swept', () => {
    expect(aliasMayMove([swept('a'), swept('b')], ['a', 'b'])).toEqual({ ready: true });
    expect(
      aliasMayMove(
        [swept('a'), { kind: 'wait', network: 'b', reason: 'x', failed: true }],
        ['a', 'b'],
      ),
    ).toEqual({ ready: false, waiting: ['b'] });
    // A chain with no verdict at all (never read) holds the alias too.
    expect(aliasMayMove([swept('a')], ['a', 'b'])).toEqual({ ready: false, waiting: ['b'] });
  });
});
