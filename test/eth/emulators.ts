import { inject } from 'vitest';
import { startChains, type Chain } from '../harness/chains.js';
import { startMoto } from '../harness/moto.js';

/** Chain ids the global setup serves (and the ones started here when it does not). */
export const TEST_CHAIN_IDS = [31337, 31338] as const;

/** Reads a value of the global setup; undefined when the file runs without it. */
function provided<T>(key: string): T | undefined {
  try {
    return (inject as unknown as (key: string) => T | undefined)(key);
  } catch {
    return undefined;
  }
}

export interface Emulator<T> {
  value: T;
  stop(): Promise<void>;
}

/** The global setup's moto server, else one started for this file. */
export async function moto(): Promise<Emulator<string>> {
  const url = provided<string>('motoUrl');
  if (url) return { value: url, stop: async () => {} };
  const server = await startMoto();
  return { value: server.url, stop: server.stop };
}

/** The global setup's Hardhat chains, else ones started for this file. */
export async function chains(): Promise<Emulator<Chain[]>> {
  const shared = provided<Chain[]>('chains');
  if (shared?.length) return { value: shared, stop: async () => {} };
  const running = await startChains([...TEST_CHAIN_IDS]);
  return { value: running.chains, stop: running.stop };
}
