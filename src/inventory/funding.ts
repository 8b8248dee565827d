import type { AgentRole } from '../config/names.js';
import type { ResolvedEnvironment, ThresholdWei } from '../config/model.js';
import { InventoryError } from './errors.js';
import type { FundingAccount, KeySpec, UnfundedAccount } from './types.js';

/** Roles whose signer is funded on its home network, and on each replica of it (DESIGN §6). */
export const FUNDED_ON_HOME: readonly AgentRole[] = ['updater', 'watcher', 'kathy'];
export const FUNDED_ON_REPLICAS: readonly AgentRole[] = ['relayer', 'processor', 'watcher'];

export interface FundingMatrix {
  accounts: FundingAccount[];
  /** Agent wallets with a signer key but no threshold for their role on that network. */
  unfunded: UnfundedAccount[];
}

/**
 * Who is funded where. For each home H (file order): updater, watcher, kathy on H, then for
 * each replica R of H: relayer, processor, watcher on R — each only if the signer key exists.
 * A key is one address on every chain, so H's processor appears once per replica. Attestation
 * keys sign off-chain and are never funded. Extra accounts come last.
 */
export function fundingMatrixFor(env: ResolvedEnvironment, keys: KeySpec[]): FundingMatrix {
  const accounts: FundingAccount[] = [];
  const unfunded: UnfundedAccount[] = [];
  const chainIdOf = new Map(env.networks.map((n) => [n.name, n.chainId]));
  const signerAlias = (home: string, role: AgentRole) =>
    keys.find(
      (k) =>
        k.environment === env.name &&
        k.network === home &&
        k.role === role &&
        k.purpose === 'signer',
    )?.alias;

  const add = (network: string, home: string, role: AgentRole) => {
    const alias = signerAlias(home, role);
    if (!alias) return;
    const chainId = chainIdOf.get(network);
    if (chainId === undefined) {
      throw new InventoryError(
        `${home} lists replica "${network}", which is not a network of ${env.name}.`,
      );
    }
    const threshold = env.keymaster.networks[network]?.roles[role];
    if (!threshold) {
      unfunded.push({
        network,
        home,
        role,
        alias,
        reason: `no keymaster.networks.${network}.roles.${role} threshold in the ${env.name} environment file`,
      });
      return;
    }
    accounts.push({
      network,
      chainId,
      home,
      role,
      alias,
      label: `${home} ${role}`,
      lower: threshold.lower,
      target: threshold.target,
    });
  };

  for (const home of env.networks) {
    for (const role of FUNDED_ON_HOME) add(home.name, home.name, role);
    for (const replica of home.replicas) {
      for (const role of FUNDED_ON_REPLICAS) add(replica, home.name, role);
    }
  }
  for (const extra of env.keymaster.extraAccounts) {
    const chainId = chainIdOf.get(extra.network);
    if (chainId === undefined) {
      throw new InventoryError(
        `Extra account "${extra.label}" is on "${extra.network}", which is not a network of ${env.name}.`,
      );
    }
    accounts.push({
      network: extra.network,
      chainId,
      home: extra.network,
      role: 'extra',
      address: extra.address,
      label: extra.label,
      lower: extra.lower,
      target: extra.target,
    });
  }
  return { accounts, unfunded };
}

/** The funding rows of DESIGN §6 (see `fundingMatrixFor` for the wallets left out and why). */
export function fundingFor(env: ResolvedEnvironment, keys: KeySpec[]): FundingAccount[] {
  return fundingMatrixFor(env, keys).accounts;
}

/**
 * The thresholds that apply to one wallet once its address is known: a per-address override on
 * the account's network replaces the role (or extra account) thresholds.
 */
export function thresholdFor(
  account: Pick<FundingAccount, 'network' | 'lower' | 'target'>,
  address: string,
  env: ResolvedEnvironment,
): ThresholdWei {
  const override = env.keymaster.networks[account.network]?.overrides[address.toLowerCase()];
  return override
    ? { lower: override.lower, target: override.target }
    : { lower: account.lower, target: account.target };
}
