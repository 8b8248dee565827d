import type { TestProject } from 'vitest/node';
import { startChains, type Chain } from './chains.js';
import { startMoto } from './moto.js';

/** The chain ids every test run gets: two chains, so cross-chain code is exercised. */
export const TEST_CHAIN_IDS = [31337, 31338];

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the patched moto_server ('' when it could not start: see harnessErrors). */
    motoUrl: string;
    /** The local chains, in TEST_CHAIN_IDS order (empty when they could not start). */
    chains: Chain[];
    /** Why an emulator could not start; tests that need it fail with this (see emulators.ts). */
    harnessErrors: { moto?: string; chains?: string };
  }
}

/**
 * Starts moto_server and the local chains once for the whole run and stops them afterwards.
 * An emulator that cannot start does not stop the run: unit tests still run, and the tests that
 * need it fail with the reason (through `requireMotoUrl` / `requireChains`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [moto, chains] = await Promise.allSettled([startMoto(), startChains(TEST_CHAIN_IDS)]);
  const errors: { moto?: string; chains?: string } = {};
  if (moto.status === 'rejected') errors.moto = describe('moto_server', moto.reason);
  if (chains.status === 'rejected') errors.chains = describe('local chains', chains.reason);
  for (const message of Object.values(errors)) console.error(`\n[test harness] ${message}\n`);

  project.provide('motoUrl', moto.status === 'fulfilled' ? moto.value.url : '');
  project.provide('chains', chains.status === 'fulfilled' ? chains.value.chains : []);
  project.provide('harnessErrors', errors);

  return async () => {
    await Promise.allSettled([
      moto.status === 'fulfilled' ? moto.value.stop() : undefined,
      chains.status === 'fulfilled' ? chains.value.stop() : undefined,
    ]);
  };
}

function describe(what: string, reason: unknown): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  return `${what} could not start: ${message}`;
}
