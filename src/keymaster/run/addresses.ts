import { getAddress } from 'ethers';
import type { ResolvedEnvironment } from '../../config/model.js';
import { errorMessage } from '../../errors.js';
import { thresholdFor } from '../../inventory/funding.js';
import type { FundingAccount } from '../../inventory/types.js';
import { UntrustedKeyError } from './key-trust.js';
import type { AddressedAccount, KeymasterFailure } from '../types.js';

/** The address of an alias, or the failure saying why it has none. */
type Resolution = { ok: true; address: string } | { ok: false; failure: KeymasterFailure };

async function resolveAlias(
  alias: string,
  resolveAddress: (alias: string) => Promise<string>,
): Promise<Resolution> {
  try {
    return { ok: true, address: getAddress(await resolveAddress(alias)) };
  } catch (error) {
    return {
      ok: false,
      failure:
        error instanceof UntrustedKeyError
          ? { kind: 'untrusted-key', alias, message: `${alias} is not funded: ${error.message}` }
          : {
              kind: 'address',
              alias,
              message: `the address of ${alias} could not be resolved: ${errorMessage(error)}`,
            },
    };
  }
}

/**
 * The address of every funding row: given in the file, or resolved from its key alias (once per
 * alias). A row whose address is unknown or invalid is left out and reported among `failures`
 * (aliases first, in the rows' order, then rows); the others go on.
 */
export async function resolveAddresses(
  rows: FundingAccount[],
  env: ResolvedEnvironment,
  resolveAddress: (alias: string) => Promise<string>,
): Promise<{ accounts: AddressedAccount[]; failures: KeymasterFailure[] }> {
  const aliases = [...new Set(rows.flatMap((r) => (r.address ? [] : r.alias ? [r.alias] : [])))];
  const resolutions = await Promise.all(
    aliases.map(async (alias) => [alias, await resolveAlias(alias, resolveAddress)] as const),
  );
  const resolved = new Map<string, string>();
  const failures: KeymasterFailure[] = [];
  for (const [alias, resolution] of resolutions) {
    if (resolution.ok) resolved.set(alias, resolution.address);
    else failures.push(resolution.failure);
  }
  const accounts: AddressedAccount[] = [];
  for (const row of rows) {
    const raw = row.address ?? (row.alias ? resolved.get(row.alias) : undefined);
    if (raw === undefined) {
      if (!row.alias) {
        failures.push({
          kind: 'config',
          network: row.network,
          message: `funding row "${row.label}" has neither an address nor a key alias`,
        });
      }
      continue;
    }
    let address: string;
    try {
      address = getAddress(raw);
    } catch (error) {
      // A bad address (e.g. a mixed-case one with a wrong EIP-55 checksum) skips this row only.
      failures.push({
        kind: 'config',
        network: row.network,
        message: `funding row "${row.label}" has an invalid address ${JSON.stringify(raw)}: ${errorMessage(error)}; fix it in the environment file (an all-lower-case address skips the checksum check)`,
      });
      continue;
    }
    accounts.push({ ...row, address, ...thresholdFor(row, address, env) });
  }
  return { accounts, failures };
}
