import { describe, expect, it } from 'vitest';
import { accountKey, decideTopUps } from '../../src/keymaster/decide/decide.js';
import type {
  AddressedAccount,
  BalanceReading,
  DecideInput,
  NetworkState,
} from '../../src/keymaster/types.js';

const ETH = 10n ** 18n;
const BANK = '0xBa00000000000000000000000000000000000001';
const FEE = 21_000n * 2_000_000_000n;

function addr(n: number): string {
  return `0x${n.toString(16).padStart(40, '0')}`;
}

function account(n: number, overrides: Partial<AddressedAccount> = {}): AddressedAccount {
  return {
    network: 'alpha',
    chainId: 1,
    home: 'alpha',
    role: 'relayer',
    alias: `alias/test-alpha-relayer-${n}`,
    label: `account ${n}`,
    address: addr(n),
    lower: 1n * ETH,
    target: 3n * ETH,
    ...overrides,
  };
}

function bank(overrides: Partial<NetworkState> = {}): NetworkState {
  return {
    network: 'alpha',
    bankAddress: BANK,
    bankBalance: { known: true, wei: 100n * ETH },
    feePerTransfer: FEE,
    reserve: 1n * ETH,
    alertBelow: 2n * ETH,
    capPerRun: 50n * ETH,
    ...overrides,
  };
}

function known(wei: bigint): BalanceReading {
  return { known: true, wei };
}

function input(
  accounts: AddressedAccount[],
  balances: Array<[AddressedAccount, BalanceReading]>,
  networks: Record<string, NetworkState> = { alpha: bank() },
  extra: Partial<DecideInput> = {},
): DecideInput {
  return {
    accounts,
    balances: new Map(balances.map(([a, b]) => [accountKey(a.network, a.address), b])),
    pending: new Map(),
    networks,
    ...extra,
  };
}

describe('decideTopUps', () => {
  it('tops a wallet below lower up to exactly its target', () => {
    const a = account(1);
    const { decisions, networks } = decideTopUps(input([a], [[a, known(ETH / 2n)]]));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ reason: 'funded', amount: 3n * ETH - ETH / 2n });
    expect(networks[0]).toMatchObject({ spend: 3n * ETH - ETH / 2n, fees: FEE, transfers: 1 });
  });

  it('leaves a wallet between lower and target alone (hysteresis) and one exactly at lower', () => {
    const between = account(1);
    const atLower = account(2);
    const { decisions } = decideTopUps(
      input(
        [between, atLower],
        [
          [between, known(2n * ETH)],
          [atLower, known(ETH)],
        ],
      ),
    );
    expect(decisions.map((d) => [d.reason, d.amount])).toEqual([
      ['healthy', 0n],
      ['healthy', 0n],
    ]);
  });

  it('never takes an unknown balance as zero', () => {
    const a = account(1);
    const { decisions } = decideTopUps(
      input([a], [[a, { known: false, reason: 'connection refused' }]]),
    );
    expect(decisions[0]).toMatchObject({ reason: 'balance-unknown', amount: 0n });
    expect(decisions[0]?.detail).toContain('connection refused');
  });

  it('treats an account missing from the balances as unknown', () => {
    const a = account(1);
    const { decisions } = decideTopUps(input([a], []));
    expect(decisions[0]?.reason).toBe('balance-unknown');
  });

  it('never pays the bank, even when the bank is listed and low', () => {
    const a = account(1, { address: BANK.toLowerCase() });
    const { decisions } = decideTopUps(input([a], [[a, known(0n)]]));
    expect(decisions[0]).toMatchObject({ reason: 'is-bank', amount: 0n });
  });

  it('counts pending incoming top-ups: nothing is paid twice', () => {
    const a = account(1);
    const b = account(2);
    const { decisions } = decideTopUps(
      input(
        [a, b],
        [
          [a, known(0n)],
          [b, known(0n)],
        ],
        undefined,
        {
          pending: new Map([
            [accountKey('alpha', a.address), 3n * ETH],
            [accountKey('alpha', b.address), ETH / 2n],
          ]),
        },
      ),
    );
    expect(decisions[0]).toMatchObject({ reason: 'healthy', amount: 0n });
    // A partial pending top-up is completed, not repeated.
    expect(decisions[1]).toMatchObject({ reason: 'funded', amount: 3n * ETH - ETH / 2n });
  });

  it('pays the lowest balance relative to lower first, stops at the reserve, reports the rest', () => {
    // lower differs per account, so the order is by ratio, not absolute balance.
    const relativelyFull = account(1, { lower: 10n * ETH, target: 12n * ETH }); // 8/10
    const empty = account(2); // 0/1
    const half = account(3, { lower: 2n * ETH, target: 4n * ETH }); // 1/2
    const balances: Array<[AddressedAccount, BalanceReading]> = [
      [relativelyFull, known(8n * ETH)],
      [empty, known(0n)],
      [half, known(ETH)],
    ];
    // Bank: reserve 1 ETH. Needs: empty 3, half 3, relativelyFull 4; it has 1 + 6 + 2 fees + a bit.
    const state = bank({ bankBalance: { known: true, wei: 7n * ETH + 2n * FEE + 1n } });
    const { decisions, networks } = decideTopUps(
      input([relativelyFull, empty, half], balances, { alpha: state }),
    );
    const byAddress = new Map(decisions.map((d) => [d.address, d]));
    expect(byAddress.get(empty.address)).toMatchObject({ reason: 'funded', amount: 3n * ETH });
    expect(byAddress.get(half.address)).toMatchObject({ reason: 'funded', amount: 3n * ETH });
    expect(byAddress.get(relativelyFull.address)).toMatchObject({
      reason: 'bank-too-low',
      amount: 0n,
    });
    expect(networks[0]?.bankAfter).toBe(ETH + 1n);
    expect(networks[0]?.bankAfter).toBeGreaterThanOrEqual(state.reserve);
    expect(networks[0]?.bankLow).toBe(true);
  });

  it('does not let a smaller top-up jump ahead once the bank has stopped', () => {
    const urgent = account(1, { lower: 10n * ETH, target: 20n * ETH }); // 0/10, needs 20
    const small = account(2, { lower: 10n * ETH, target: 11n * ETH }); // 5/10, needs 6
    const state = bank({ bankBalance: { known: true, wei: 10n * ETH } });
    const { decisions } = decideTopUps(
      input(
        [urgent, small],
        [
          [urgent, known(0n)],
          [small, known(5n * ETH)],
        ],
        { alpha: state },
      ),
    );
    expect(decisions.map((d) => d.reason)).toEqual(['bank-too-low', 'bank-too-low']);
  });

  it('keeps fee headroom: a payment that leaves exactly the reserve but not the fee is refused', () => {
    const a = account(1);
    const exact = bank({ bankBalance: { known: true, wei: 3n * ETH + ETH } });
    expect(decideTopUps(input([a], [[a, known(0n)]], { alpha: exact })).decisions[0]?.reason).toBe(
      'bank-too-low',
    );
    const withFee = bank({ bankBalance: { known: true, wei: 3n * ETH + ETH + FEE } });
    expect(
      decideTopUps(input([a], [[a, known(0n)]], { alpha: withFee })).decisions[0]?.reason,
    ).toBe('funded');
  });

  it('stops at the cap per network and run', () => {
    const accounts = [account(1), account(2), account(3)];
    const state = bank({ capPerRun: 7n * ETH });
    const { decisions, networks } = decideTopUps(
      input(
        accounts,
        accounts.map((a) => [a, known(0n)]),
        { alpha: state },
      ),
    );
    expect(decisions.filter((d) => d.reason === 'funded')).toHaveLength(2);
    expect(decisions.filter((d) => d.reason === 'cap-reached')).toHaveLength(1);
    expect(networks[0]?.spend).toBeLessThanOrEqual(state.capPerRun);
  });

  it('says why in the native unit with its symbol, naming the network', () => {
    const accounts = [account(1), account(2), account(3)];
    const unit = { symbol: 'GLMR', decimals: 18 };
    const capped = decideTopUps(
      input(
        accounts,
        accounts.map((a) => [a, known(0n)]),
        {
          alpha: bank({ capPerRun: 7n * ETH, unit }),
        },
      ),
    ).decisions.find((d) => d.reason === 'cap-reached');
    expect(capped?.detail).toBe('cap of 7.0 GLMR per run reached on alpha (6.0 GLMR planned)');
    const short = decideTopUps(
      input([account(1)], [[account(1), known(0n)]], {
        alpha: bank({ bankBalance: known(2n * ETH), unit }),
      }),
    ).decisions[0];
    expect(short?.detail).toBe(
      'the bank on alpha (2.0 GLMR left) keeps its reserve of 1.0 GLMR plus up to 0.000042 GLMR fee per transfer',
    );
  });

  it('an unfundable recipient is skipped without a fee and without stopping the others; a known gas limit prices the fee', () => {
    const contract = account(1);
    const hungry = account(2);
    const plain = account(3);
    const gas = new Map([
      [
        accountKey('alpha', contract.address),
        { kind: 'unfundable' as const, reason: 'a transfer to it would revert' },
      ],
      [
        accountKey('alpha', hungry.address),
        { kind: 'ok' as const, gasLimit: 50_000n, estimate: 41_000n },
      ],
    ]);
    const { decisions, networks } = decideTopUps(
      input(
        [contract, hungry, plain],
        [
          [contract, known(0n)],
          [hungry, known(0n)],
          [plain, known(0n)],
        ],
        { alpha: bank({ feePerGas: 2_000_000_000n }) },
        { gas },
      ),
    );
    const by = new Map(decisions.map((d) => [d.address, d]));
    expect(by.get(contract.address)).toMatchObject({ reason: 'unfundable', amount: 0n });
    expect(by.get(hungry.address)).toMatchObject({ reason: 'funded', gasLimit: 50_000n });
    expect(by.get(plain.address)).toMatchObject({ reason: 'funded' });
    expect(by.get(plain.address)?.gasLimit).toBeUndefined();
    expect(networks[0]?.fees).toBe(50_000n * 2_000_000_000n + FEE);
  });

  it('applies caps and banks per network independently', () => {
    const a = account(1);
    const b = account(1, { network: 'beta', chainId: 2, home: 'alpha' });
    const { decisions } = decideTopUps(
      input(
        [a, b],
        [
          [a, known(0n)],
          [b, known(0n)],
        ],
        {
          alpha: bank(),
          beta: bank({ network: 'beta', bankBalance: { known: false, reason: 'timeout' } }),
        },
      ),
    );
    expect(decisions.map((d) => [d.network, d.reason])).toEqual([
      ['alpha', 'funded'],
      ['beta', 'balance-unknown'],
    ]);
  });

  it('funds an address listed in several rows on one chain once, with the strictest threshold', () => {
    const processor = account(7, { role: 'processor', home: 'beta', lower: ETH, target: 2n * ETH });
    const sameKeyAgain = account(7, {
      role: 'watcher',
      home: 'gamma',
      address: addr(7).toUpperCase().replace('0X', '0x'),
      lower: 2n * ETH,
      target: 3n * ETH,
    });
    const elsewhere = account(7, { network: 'beta', chainId: 2, role: 'processor', home: 'beta' });
    const { decisions } = decideTopUps(
      input(
        [processor, sameKeyAgain, elsewhere],
        [
          [processor, known(ETH + 1n)],
          [elsewhere, known(0n)],
        ],
        { alpha: bank(), beta: bank({ network: 'beta' }) },
      ),
    );
    expect(decisions).toHaveLength(2);
    const onAlpha = decisions.find((d) => d.network === 'alpha');
    // 1 ETH + 1 wei is above the processor row's lower but below the watcher row's.
    expect(onAlpha).toMatchObject({
      reason: 'funded',
      lower: 2n * ETH,
      target: 3n * ETH,
      amount: 2n * ETH - 1n,
      roles: ['processor', 'watcher'],
      homes: ['beta', 'gamma'],
    });
    expect(onAlpha?.rows).toHaveLength(2);
    expect(decisions.find((d) => d.network === 'beta')?.reason).toBe('funded');
  });

  it('lets a per-address override replace the role thresholds', () => {
    const a = account(1);
    const { decisions } = decideTopUps(
      input([a], [[a, known(2n * ETH)]], undefined, {
        overrides: { alpha: { [a.address.toLowerCase()]: { lower: 5n * ETH, target: 6n * ETH } } },
      }),
    );
    expect(decisions[0]).toMatchObject({ reason: 'funded', amount: 4n * ETH, target: 6n * ETH });
  });

  it('refuses to pay while the bank has uninspectable transactions in flight', () => {
    const a = account(1);
    const { decisions } = decideTopUps(
      input([a], [[a, known(0n)]], { alpha: bank({ busy: '2 transactions in flight' }) }),
    );
    expect(decisions[0]).toMatchObject({ reason: 'bank-busy', amount: 0n });
  });

  it('refuses to pay when the fee is unknown', () => {
    const a = account(1);
    const { decisions } = decideTopUps(
      input([a], [[a, known(0n)]], { alpha: bank({ feePerTransfer: undefined }) }),
    );
    expect(decisions[0]?.reason).toBe('balance-unknown');
  });

  it('flags a bank under its alert level even when nothing is paid', () => {
    const a = account(1);
    const { networks } = decideTopUps(
      input([a], [[a, known(5n * ETH)]], {
        alpha: bank({ bankBalance: { known: true, wei: ETH } }),
      }),
    );
    expect(networks[0]).toMatchObject({ bankLow: true, transfers: 0 });
  });
});
