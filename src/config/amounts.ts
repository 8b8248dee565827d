import { parseUnits } from 'ethers';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

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
