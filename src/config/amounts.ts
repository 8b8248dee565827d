import { formatUnits, parseUnits } from 'ethers';
import type { ResolvedEnvironment } from './model.js';

/**
 * Amounts and units: decimal strings in a chain's native unit parsed to integer wei (exactly, or
 * not at all), and wei shown back in that unit. Money is bigint wei everywhere else; the decimal
 * text exists only at the edges (the environment file, tables, messages).
 */

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** A chain's native unit: its symbol and the decimals of one whole token. */
export interface NativeUnit {
  symbol: string;
  decimals: number;
}

/** Native units by network name. */
export type UnitsByNetwork = Record<string, NativeUnit>;

/** What an amount on a network without a known unit is shown in. */
export const WEI: NativeUnit = { symbol: 'wei', decimals: 0 };

/** Digits after the point of a decimal string, or undefined when it is not a decimal string. */
export function fractionDigits(amount: string): number | undefined {
  const match = DECIMAL.exec(amount);
  return match ? (match[2]?.length ?? 0) : undefined;
}

/**
 * Integer wei for a decimal string in the native unit, or undefined when the string is not a
 * plain decimal or has more fractional digits than the token has decimals (it would not be exact).
 */
export function toWei(amount: unknown, decimals: number): bigint | undefined {
  if (typeof amount !== 'string') return undefined;
  const digits = fractionDigits(amount);
  if (digits === undefined || digits > decimals) return undefined;
  return parseUnits(amount, decimals);
}

/** The native unit of every network of an environment. */
export function unitsOf(env: ResolvedEnvironment): UnitsByNetwork {
  return Object.fromEntries(env.networks.map((n) => [n.name, n.nativeToken]));
}

/** Wei in a unit, exactly: `1.5 ETH`. */
export function formatInUnit(wei: bigint, unit: NativeUnit = WEI): string {
  return `${formatUnits(wei, unit.decimals)} ${unit.symbol}`;
}

/** Wei in a network's native unit (wei when the network is not known). */
export function formatAmount(wei: bigint, network: string, units: UnitsByNetwork): string {
  return formatInUnit(wei, units[network] ?? WEI);
}
