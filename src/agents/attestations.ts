import type { EnvironmentName } from '../config/names.js';
import type { KeyRow } from '../plan/keys/types.js';
import { attestationAddresses } from '../report/keys.js';

/**
 * The attestation addresses the contract deployment enrolls, per network, in the shape of its
 * configuration: the Home's `updater` and the xAppConnectionManager's `watchers`.
 *
 *   { "environment": "staging",
 *     "networks": { "kovan": { "updater": "0x…", "watchers": ["0x…"] }, … } }
 */
export interface AttestationConfig {
  environment: EnvironmentName;
  networks: Record<string, { updater: string; watchers: string[] }>;
}

/** An attestation key without a usable address: not created yet, not aliased, or broken. */
export interface MissingAttestationKey {
  alias: string;
  status: string;
  reason: string;
}

/** From the rows of `keys plan`: the addresses, and the attestation keys that have none. */
export function attestationConfig(
  environment: EnvironmentName,
  rows: KeyRow[],
): { config: AttestationConfig; missing: MissingAttestationKey[] } {
  const missing = rows
    .filter((r) => r.status !== 'leftover' && r.status !== 'scheduled' && r.status !== 'conflict')
    .filter((r) => r.purpose === 'attestation' && (r.status !== 'exists' || !r.address))
    .map((r) => ({ alias: r.alias, status: r.status, reason: r.reason }));
  const networks: AttestationConfig['networks'] = {};
  for (const a of attestationAddresses(rows)) {
    networks[a.network] = { updater: a.updater, watchers: a.watcher ? [a.watcher] : [] };
  }
  return { config: { environment, networks }, missing };
}
