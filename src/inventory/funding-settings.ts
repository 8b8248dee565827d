import type { ResolvedEnvironment } from '../config/model.js';
import { canonicalSha256 } from './canonical.js';
import { InventoryError } from './errors.js';
import { fundingMatrixFor } from './funding.js';
import type { FundingNetworkSettings, FundingSettings } from './funding-types.js';
import type { KeySpec } from './types.js';

/**
 * The funding settings: everything in an environment file that decides who the bank pays, how
 * much, on which chain, through which endpoint, at what fees and how often. They move money, so
 * they are approved like IAM (DESIGN §6): the plan carries them and their sha256, `keys apply`
 * records that sha256 on the bank, and the Keymaster refuses to send while the file's settings
 * hash differently from the recorded one. Every field is also a line of the rendered diff
 * (`funding-lines.ts`), so nothing is hashed that reviewers do not see.
 *
 * Pure: the resolved environment and its keys in, plain JSON (wei as decimal strings) out.
 * Left out, because they change how the Keymaster reads, never what it sends: the JSON-RPC batch
 * size, retries and timeouts (`rpcTimeoutSeconds`, `networks.*.rpc`), and where the service runs
 * (`eks`). `test/inventory/funding-settings-walk.unit.test.ts` mutates every other field of the
 * environment the Keymaster reads and fails if one of them does not change the hash.
 */

const wei = (value: bigint) => value.toString();

export function fundingSettingsOf(env: ResolvedEnvironment, keys: KeySpec[]): FundingSettings {
  const bank = keys.find((k) => k.purpose === 'bank');
  if (!bank) {
    throw new InventoryError(`the ${env.name} inventory has no bank key`);
  }
  const networks: Record<string, FundingNetworkSettings> = {};
  for (const network of env.networks) {
    const settings = env.keymaster.networks[network.name];
    if (!settings) continue;
    networks[network.name] = {
      chainId: network.chainId,
      symbol: network.nativeToken.symbol,
      decimals: network.nativeToken.decimals,
      rpcUrlEnv: network.rpcUrlEnv,
      eip1559: network.eip1559 ?? 'auto',
      reserve: wei(settings.bank.reserve),
      alertBelow: wei(settings.bank.alertBelow),
      capPerRun: wei(settings.capPerRun),
      gas: {
        maxPerTransfer: wei(settings.gas.maxPerTransfer),
        ...(settings.gas.maxFeePerGas !== undefined
          ? { maxFeePerGas: wei(settings.gas.maxFeePerGas) }
          : {}),
        replaceAfterSeconds: settings.gas.replaceAfterSeconds,
      },
      roles: Object.fromEntries(
        Object.entries(settings.roles).map(([role, t]) => [
          role,
          { lower: wei(t.lower), target: wei(t.target) },
        ]),
      ),
      overrides: Object.fromEntries(
        Object.entries(settings.overrides).map(([address, t]) => [
          address.toLowerCase(),
          { lower: wei(t.lower), target: wei(t.target) },
        ]),
      ),
    };
  }
  const wallets = fundingMatrixFor(env, keys)
    .accounts.filter((a) => a.alias !== undefined)
    .map((a) => ({ network: a.network, home: a.home, role: a.role, alias: a.alias! }))
    .sort((a, b) => walletKey(a).localeCompare(walletKey(b)));
  return {
    environment: env.name,
    bank: {
      store: env.keyStore === 'kms' ? 'kms' : 'secrets-manager',
      alias: bank.alias,
      ...(bank.secretName ? { secretName: bank.secretName } : {}),
    },
    schedule: {
      intervalSeconds: env.keymaster.intervalSeconds,
      receiptTimeoutSeconds: env.keymaster.receiptTimeoutSeconds,
    },
    networks,
    wallets,
    extraAccounts: env.keymaster.extraAccounts.map((e) => ({
      network: e.network,
      address: e.address.toLowerCase(),
      label: e.label,
      lower: wei(e.lower),
      target: wei(e.target),
    })),
  };
}

const walletKey = (w: { network: string; home: string; role: string; alias: string }) =>
  `${w.network} ${w.home} ${w.role} ${w.alias}`;

/** The full sha256 (64 hex digits) over the canonical JSON of the settings. */
export function fundingSettingsHash(settings: FundingSettings): string {
  return canonicalSha256(settings);
}
