import { inject } from 'vitest';
import type { Chain } from './chains.js';

/** The moto_server URL from the global setup; throws why it is missing when it could not start. */
export function requireMotoUrl(): string {
  const url = inject('motoUrl');
  if (!url) throw new Error(inject('harnessErrors').moto ?? 'moto_server was not started');
  return url;
}

/** The local chains from the global setup; throws why they are missing when they could not start. */
export function requireChains(): Chain[] {
  const chains = inject('chains');
  if (chains.length === 0) {
    throw new Error(inject('harnessErrors').chains ?? 'local chains were not started');
  }
  return chains;
}
