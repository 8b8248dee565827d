import type { BalanceSnapshot } from './ledger-snapshot.js';

/**
 * Daily burn from the ledger's balances snapshots: pure. A wallet's burn over a window is the
 * balance it lost in the intervals the snapshots closed in it (top-ups are never inside an
 * interval; intervals in which its balance rose are left out), divided by their length. Per
 * network and role: the sum over the role's wallets, and its hungriest wallet (what a role's
 * thresholds, which every wallet of the role shares, must cover).
 */

export const DAY_MS = 86_400_000;

export interface WalletBurn {
  network: string;
  chainId: number;
  address: string;
  role: string;
  burnWei: bigint;
  measuredMs: number;
  dailyWei: bigint;
}

export interface RoleBurn {
  network: string;
  chainId: number;
  role: string;
  wallets: number;
  /** Sum of the role's wallets' daily burn. */
  dailyWei: bigint;
  /** The highest daily burn of one wallet of the role. */
  maxWalletDailyWei: bigint;
  /** The shortest time measured of the role's wallets (the evidence behind the rate). */
  measuredMs: number;
}

/** Per wallet, the burn of intervals that ended in [since, until). */
export function walletBurns(
  snapshots: BalanceSnapshot[],
  since: number,
  until: number,
): WalletBurn[] {
  const byWallet = new Map<string, WalletBurn>();
  for (const snapshot of snapshots) {
    for (const w of snapshot.wallets) {
      const interval = w.interval;
      if (!interval || !('burnWei' in interval)) continue;
      if (interval.toMs < since || interval.toMs >= until) continue;
      const key = `${w.network}\u0000${w.address.toLowerCase()}`;
      const row = byWallet.get(key) ?? {
        network: w.network,
        chainId: w.chainId,
        address: w.address,
        role: w.roles.join('+'),
        burnWei: 0n,
        measuredMs: 0,
        dailyWei: 0n,
      };
      row.burnWei += BigInt(interval.burnWei);
      row.measuredMs += interval.toMs - interval.fromMs;
      byWallet.set(key, row);
    }
  }
  return [...byWallet.values()]
    .filter((w) => w.measuredMs > 0)
    .map((w) => ({ ...w, dailyWei: (w.burnWei * BigInt(DAY_MS)) / BigInt(w.measuredMs) }))
    .sort((a, b) => a.network.localeCompare(b.network) || a.address.localeCompare(b.address));
}

export function roleBurns(wallets: WalletBurn[]): RoleBurn[] {
  const byRole = new Map<string, RoleBurn>();
  for (const w of wallets) {
    const key = `${w.network}\u0000${w.role}`;
    const row = byRole.get(key);
    if (!row) {
      byRole.set(key, {
        network: w.network,
        chainId: w.chainId,
        role: w.role,
        wallets: 1,
        dailyWei: w.dailyWei,
        maxWalletDailyWei: w.dailyWei,
        measuredMs: w.measuredMs,
      });
      continue;
    }
    row.wallets++;
    row.dailyWei += w.dailyWei;
    if (w.dailyWei > row.maxWalletDailyWei) row.maxWalletDailyWei = w.dailyWei;
    row.measuredMs = Math.min(row.measuredMs, w.measuredMs);
  }
  return [...byRole.values()].sort(
    (a, b) => a.network.localeCompare(b.network) || a.role.localeCompare(b.role),
  );
}

/** `wei` rounded up to `digits` significant digits (so a proposal never falls short). */
export function roundUpSignificant(wei: bigint, digits: number): bigint {
  const length = wei.toString().length;
  if (wei <= 0n || length <= digits) return wei;
  const step = 10n ** BigInt(length - digits);
  return ((wei + step - 1n) / step) * step;
}

/** `days` (a decimal with up to 3 places) of a daily amount, in wei. */
export function daysOf(dailyWei: bigint, days: number): bigint {
  return (dailyWei * BigInt(Math.round(days * 1000))) / 1000n;
}
