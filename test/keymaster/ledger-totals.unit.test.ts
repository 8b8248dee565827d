import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src/keymaster/state/ledger.js';
import {
  inWindow,
  parseInstant,
  summarizeLedger,
} from '../../src/keymaster/state/ledger-totals.js';

const base: LedgerRecord = {
  version: 1,
  environment: 'staging',
  commit: 'a'.repeat(40),
  settingsHash: 'b'.repeat(64),
  runId: 'pod:k',
  chainId: 1,
  network: 'ethereum',
  txHash: '0x01',
  nonce: 0,
  from: '0xbank',
  to: '0xaaa',
  aliases: ['alias/staging-ethereum-updater-signer'],
  roles: ['updater'],
  amountWei: '100',
  signedAt: '2026-11-03T00:00:00.000Z',
  status: 'mined',
  feeWei: '7',
  block: 10,
  time: '2026-11-03T00:00:01.000Z',
};
const r = (patch: Partial<LedgerRecord>): LedgerRecord => ({ ...base, ...patch });

describe('ledger totals (pure)', () => {
  const records = [
    r({}),
    r({
      txHash: '0x02',
      to: '0xbbb',
      roles: ['relayer'],
      amountWei: '300',
      time: '2026-12-01T00:00:00.000Z',
    }),
    // Reverted: only the fee left the bank.
    r({ txHash: '0x03', status: 'reverted', amountWei: '50', feeWei: '9' }),
    // Another chain: never added to ethereum's.
    r({ txHash: '0x04', chainId: 10, network: 'optimism', amountWei: '5', feeWei: '1' }),
  ];

  it('sums per network; value only for mined top-ups, fees for every transaction', () => {
    const s = summarizeLedger(records, 'network');
    expect(s.totals).toEqual([
      {
        network: 'ethereum',
        chainId: 1,
        group: 'ethereum',
        topUps: 2,
        transactions: 3,
        sentWei: 400n,
        feesWei: 23n,
      },
      {
        network: 'optimism',
        chainId: 10,
        group: 'optimism',
        topUps: 1,
        transactions: 1,
        sentWei: 5n,
        feesWei: 1n,
      },
    ]);
  });

  it('groups by role, month and recipient within each network; largest recipients first', () => {
    expect(
      summarizeLedger(records, 'role').groups.map((g) => [g.network, g.group, g.sentWei]),
    ).toEqual([
      ['ethereum', 'relayer', 300n],
      ['ethereum', 'updater', 100n],
      ['optimism', 'updater', 5n],
    ]);
    expect(summarizeLedger(records, 'month').groups.map((g) => [g.group, g.topUps])).toEqual([
      ['2026-11', 1],
      ['2026-12', 1],
      ['2026-11', 1],
    ]);
    expect(summarizeLedger(records, 'recipient').largestRecipients.map((g) => g.group)).toEqual([
      '0xbbb',
      '0xaaa',
      '0xaaa',
    ]);
  });

  it('reads --since and --until as durations back from now or dates, and refuses anything else', () => {
    const now = Date.parse('2026-12-05T00:00:00Z');
    expect(parseInstant('30d', '--since', now)).toBe(Date.parse('2026-11-05T00:00:00Z'));
    expect(parseInstant('2026-11-01', '--since', now)).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(() => parseInstant('last week', '--since', now)).toThrow(/--since last week/);
    expect(inWindow(records, Date.parse('2026-11-15'), undefined).map((x) => x.txHash)).toEqual([
      '0x02',
    ]);
  });
});
