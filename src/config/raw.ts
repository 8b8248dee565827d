import { defaultKeyNames, ENVIRONMENT_NAMES, type EnvironmentName } from './names.js';

/**
 * Views of an environment file's data before the schema accepted it, for the cross-field rules:
 * each reads what has the right shape and skips the rest (the schema reports that).
 */

export type Raw = Record<string, unknown>;
export const isRecord = (x: unknown): x is Raw =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
export const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
export const isEnvironmentName = (x: unknown): x is EnvironmentName =>
  typeof x === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(x);

export interface NetworkView {
  index: number;
  name: string | undefined;
  chainId: unknown;
  decimals: number | undefined;
  replicas: unknown;
}

export function readNetworks(data: Raw): NetworkView[] {
  return asArray(data.networks).map((n, index) => {
    const network = isRecord(n) ? n : {};
    const token = isRecord(network.nativeToken) ? network.nativeToken : {};
    const decimals = token.decimals === undefined ? 18 : token.decimals;
    return {
      index,
      name: typeof network.name === 'string' ? network.name : undefined,
      chainId: network.chainId,
      decimals:
        Number.isInteger(decimals) && (decimals as number) >= 0 ? (decimals as number) : undefined,
      replicas: network.replicas,
    };
  });
}

/** The key names in force: listed ones, or the defaults for the environment. */
export function keyNamesOf(data: Raw): string[] {
  const listed = isRecord(data.keys) ? data.keys.names : undefined;
  if (Array.isArray(listed)) return listed.filter((k): k is string => typeof k === 'string');
  // Unknown environment: assume production's six, the stricter set (no kathy).
  return defaultKeyNames(isEnvironmentName(data.environment) ? data.environment : 'production');
}
