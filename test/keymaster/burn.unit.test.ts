import { describe, expect, it } from 'vitest';
import { editThresholds } from '../../src/config/threshold-edit.js';
import { recordKey, type LedgerRecord } from '../../src/keymaster/state/ledger.js';
import { nextSnapshot } from '../../src/keymaster/state/ledger-snapshot.js';
import { roleBurns, roundUpSignificant, walletBurns } from '../../src/keymaster/state/burn.js';
import { changed, proposeThresholds } from '../../src/keymaster/state/threshold-proposal.js';
import type { BalanceRow } from '../../src/keymaster/types.js';
import { testEnvironment } from './fixtures.js';

/** The pure parts of burn and running totals: counted once, top-ups out, the rule followed. */

const DAY = 86_400_000;
const ETH = 10n ** 18n;
const A = '0x00000000000000000000000000000000000000aa';

const row = (wei: bigint | undefined): BalanceRow => ({
  network: 'alpha',
  chainId: 1,
  address: A,
  homes: ['alpha'],
  roles: ['relayer'],
  label: 'relayer',
  balance: wei === undefined ? { known: false, reason: 'down' } : { known: true, wei },
  lower: ETH / 2n,
  target: ETH,
});

const run = (at: number, before: bigint | undefined, after: bigint | undefined) => ({
  startedAt: at,
  finishedAt: at,
  before: [row(before)],
  after: [row(after)],
});

const record = (hash: string, amount: bigint, fee: bigint): LedgerRecord => ({
  version: 1,
  environment: 'development',
  commit: 'c',
  settingsHash: 's',
  runId: 'r',
  chainId: 1,
  network: 'alpha',
  txHash: hash,
  nonce: 0,
  from: '0xbank',
  to: A,
  aliases: [],
  roles: ['relayer'],
  amountWei: amount.toString(),
  signedAt: '',
  status: 'mined',
  feeWei: fee.toString(),
  block: 1,
  time: '',
});

describe('balances snapshots', () => {
  it('count a record once, also when the next run finds it again through its intent', () => {
    const r = record('0x01', ETH, 5n);
    const first = nextSnapshot(undefined, {
      environment: 'development',
      runId: 'a',
      run: run(0, 0n, ETH),
      records: [r],
      now: 0,
    });
    const second = nextSnapshot(first, {
      environment: 'development',
      runId: 'b',
      run: run(DAY, ETH, ETH),
      records: [r, record('0x02', 2n * ETH, 7n)],
      now: DAY,
    });
    expect(second.spend).toEqual([
      expect.objectContaining({
        role: 'relayer',
        topUps: 2,
        sentWei: String(3n * ETH),
        feesWei: '12',
      }),
    ]);
    expect(Object.keys(second.counted).sort()).toEqual(
      [recordKey(1, '0x01'), recordKey(1, '0x02')].sort(),
    );
  });

  it('leave out of burn the top-ups of a run and an interval whose balance rose', () => {
    let s = nextSnapshot(undefined, {
      environment: 'd',
      runId: '1',
      run: run(0, 0n, ETH),
      records: [],
      now: 0,
    });
    // A day later 0.3 is gone; the run tops up to 1 again.
    s = nextSnapshot(s, {
      environment: 'd',
      runId: '2',
      run: run(DAY, (7n * ETH) / 10n, ETH),
      records: [],
      now: DAY,
    });
    expect(s.wallets[0]!.interval).toEqual({
      fromMs: 0,
      toMs: DAY,
      burnWei: String((3n * ETH) / 10n),
    });
    // Money from elsewhere: 1 → 1.5 is not negative burn, it is no measurement.
    s = nextSnapshot(s, {
      environment: 'd',
      runId: '3',
      run: run(2 * DAY, (3n * ETH) / 2n, (3n * ETH) / 2n),
      records: [],
      now: 2 * DAY,
    });
    expect(s.wallets[0]!.interval).toEqual({ excluded: expect.stringContaining('rose') });
    // Unread after a run (a top-up may have landed): no interval starts there.
    s = nextSnapshot(s, {
      environment: 'd',
      runId: '4',
      run: run(3 * DAY, ETH, undefined),
      records: [],
      now: 3 * DAY,
    });
    s = nextSnapshot(s, {
      environment: 'd',
      runId: '5',
      run: run(4 * DAY, ETH / 2n, ETH),
      records: [],
      now: 4 * DAY,
    });
    expect(s.wallets[0]!.interval).toBeUndefined();
    // 0.3 on day 1 and 0.5 on day 3 (1.5 → 1); nothing for day 4.
    expect(s.wallets[0]!.burnTotalWei).toBe(String((3n * ETH) / 10n + ETH / 2n));
  });
});

describe('daily burn and the proposal', () => {
  it('rates each wallet per day and proposes 2 and 5 days of the hungriest, rounded up', () => {
    let s = nextSnapshot(undefined, {
      environment: 'd',
      runId: '1',
      run: run(0, 0n, ETH),
      records: [],
      now: 0,
    });
    const snaps = [s];
    for (let day = 1; day <= 2; day++) {
      s = nextSnapshot(s, {
        environment: 'd',
        runId: `${day}`,
        run: run(day * DAY, ETH - 123_456_789n, ETH),
        records: [],
        now: day * DAY,
      });
      snaps.push(s);
    }
    const wallets = walletBurns(snaps, 0, 3 * DAY);
    expect(wallets[0]).toMatchObject({ dailyWei: 123_456_789n, measuredMs: 2 * DAY });
    const env = testEnvironment([{ name: 'alpha', chainId: 1 }]);
    const proposals = proposeThresholds(env, roleBurns(wallets));
    const relayer = proposals.find((p) => p.role === 'relayer')!;
    expect(relayer.proposed).toEqual({ lower: 250_000_000n, target: 620_000_000n });
    expect(changed(relayer)).toBe(true);
    // Roles without burn keep the file's values, and say why.
    expect(proposals.find((p) => p.role === 'updater')).toMatchObject({ kept: 'no burn measured' });
    expect(roundUpSignificant(1_000n, 2)).toBe(1_000n);
    expect(roundUpSignificant(1_001n, 2)).toBe(1_100n);
  });

  it('edits the file in place: comments and quotes kept, an aliased neighbour untouched', () => {
    const text = [
      '# top comment',
      'keymaster:',
      '  networks:',
      '    alpha: &net',
      '      roles:',
      "        relayer: { lower: '0.5', target: '1' } # relayers",
      '    beta: *net',
      '',
    ].join('\n');
    const out = editThresholds(text, 'f.yaml', [
      { network: 'beta', role: 'relayer', lower: '0.25', target: '0.62' },
    ]);
    expect(out).toContain('# top comment');
    expect(out).toContain("relayer: { lower: '0.5', target: '1' } # relayers");
    expect(out).toContain("relayer: { lower: '0.25', target: '0.62' }");
  });
});
