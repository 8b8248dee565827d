import { describe, expect, it } from 'vitest';
import type { RpcOutcome } from '../../src/keymaster/rpc/rpc.js';
import {
  balanceCallName,
  readBalances,
  readBank,
  readChainId,
  readFees,
  sweepCalls,
} from '../../src/keymaster/sweep/read.js';
import { classifyRefusal } from '../../src/keymaster/send/transactions.js';

const BANK = '0xba00000000000000000000000000000000000001';
const A = '0xaa00000000000000000000000000000000000002';
const ok = (result: unknown): RpcOutcome => ({ ok: true, result });
const failed = (message: string): RpcOutcome => ({ ok: false, code: -32000, message });

describe('the sweep asks by name and reads the answers by name', () => {
  it('names each call: the chain id, the fee inputs, the bank, every balance', () => {
    const calls = sweepCalls([A], BANK);
    expect(calls.map((c) => c.name)).toEqual([
      'chainId',
      'block',
      'gasPrice',
      'tip',
      'bankPendingBalance',
      'bankLatestNonce',
      'bankPendingNonce',
      'bankLatestBalance',
      balanceCallName(A),
    ]);
    expect(calls.find((c) => c.name === 'bankPendingNonce')?.call).toEqual({
      method: 'eth_getTransactionCount',
      params: [BANK, 'pending'],
    });
    // Without a bank, no bank calls.
    expect(sweepCalls([A], undefined).map((c) => c.name)).not.toContain('bankLatestNonce');
  });

  it('reads answers whatever order they are given in', () => {
    const answers = new Map<string, RpcOutcome>([
      [balanceCallName(A), ok('0x64')],
      ['bankPendingNonce', ok('0x3')],
      ['bankLatestNonce', ok('0x3')],
      ['bankPendingBalance', ok('0x10')],
      ['bankLatestBalance', ok('0x11')],
      ['tip', ok('0x2')],
      ['gasPrice', ok('0x5')],
      ['block', ok({ number: '0x7', baseFeePerGas: '0x4' })],
      ['chainId', ok('0x7a69')],
    ]);
    expect(readChainId(answers)).toEqual({ ok: true, chainId: 31337 });
    expect(readFees(answers)).toEqual({
      blockNumber: 7,
      baseFeePerGas: 4n,
      gasPrice: 5n,
      maxPriorityFeePerGas: 2n,
      rpcErrors: [],
    });
    expect(readBank(BANK, answers)).toEqual({
      bank: {
        address: BANK,
        balance: { known: true, wei: 16n },
        latestNonce: 3,
        pendingNonce: 3,
        inFlight: [],
      },
      rpcErrors: [],
    });
    expect(readBalances([A], answers).balances.get(A)).toEqual({ known: true, wei: 100n });
  });

  it('a failed or malformed answer leaves its field unknown and names its method', () => {
    const answers = new Map<string, RpcOutcome>([
      ['block', ok({ baseFeePerGas: '0x4' })],
      ['gasPrice', ok('not a quantity')],
      ['tip', failed('method not found')],
      ['bankLatestNonce', ok('0x1')],
      ['bankPendingNonce', failed('boom')],
      ['bankPendingBalance', ok('0x10')],
      [balanceCallName(A), failed('limit')],
    ]);
    expect(readFees(answers)).toEqual({
      baseFeePerGas: 4n,
      rpcErrors: ['eth_getBlockByNumber', 'eth_gasPrice'],
    });
    const { bank, rpcErrors } = readBank(BANK, answers);
    expect(bank.busy).toBe('the bank nonce could not be read');
    expect(rpcErrors).toEqual(['eth_getTransactionCount']);
    expect(readBalances([A], answers)).toEqual({
      balances: new Map([[A, { known: false, reason: 'eth_getBalance failed: limit' }]]),
      rpcErrors: ['eth_getBalance'],
    });
    expect(readChainId(answers)).toEqual({ ok: false, message: 'no answer' });
  });
});

describe('classifyRefusal', () => {
  it('tells a taken nonce, a refusal worth repeating and a final one apart', () => {
    expect(classifyRefusal('nonce too low')).toBe('taken');
    expect(
      classifyRefusal(
        'Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 3 is necessary',
      ),
    ).toBe('taken');
    expect(classifyRefusal('txpool is full')).toBe('transient');
    expect(classifyRefusal('rate limit exceeded')).toBe('transient');
    expect(classifyRefusal('intrinsic gas too low')).toBe('final');
    expect(classifyRefusal('insufficient funds for gas * price + value')).toBe('final');
    // A plain "underpriced" (below the pool's minimum) is not a taken nonce.
    expect(classifyRefusal('transaction underpriced')).toBe('final');
  });
});
