import type { Chain } from '../harness/chains.js';
import { requireChains, requireMotoUrl } from '../harness/emulators.js';

/** Chain ids the global setup serves (TEST_CHAIN_IDS of test/harness/global-setup.ts). */
export const TEST_CHAIN_IDS = [31337, 31338] as const;

export interface Emulator<T> {
  value: T;
  stop(): Promise<void>;
}

/** The global setup's moto server (test/harness/emulators.ts); stop() leaves it running. */
export async function moto(): Promise<Emulator<string>> {
  return { value: requireMotoUrl(), stop: async () => {} };
}

/** The global setup's Hardhat chains (test/harness/emulators.ts); stop() leaves them running. */
export async function chains(): Promise<Emulator<Chain[]>> {
  return { value: requireChains(), stop: async () => {} };
}
