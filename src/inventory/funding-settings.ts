import { formatUnits } from 'ethers';
import type { ResolvedEnvironment } from '../config/model.js';
import { canonicalSha256 } from './canonical.js';
import { InventoryError } from './errors.js';
import { fundingMatrixFor } from './funding.js';
import type { KeySpec } from './types.js';

/**
 * The funding settings: everything in an environment file that decides who the bank pays, how
 * much, on which chain. They move money, so they are approved like IAM (DESIGN §6): the plan
 * carries them and their sha256, `keys apply` records that sha256 on the bank, and the Keymaster
 * refuses to send while the file's settings hash differently from the recorded one.
 *
 * Pure: the resolved environment and its keys in, plain JSON (wei as decimal strings) out.
 * The gas ceiling and fee cap are in: they bound what a top-up may spend on fees. Interval,
 * timeouts, batch sizes and the replacement delay are left out: they change when and how the
 * Keymaster asks, not what it pays.
 */

export interface FundingThresholds {
  lower: string;
  target: string;
}

export interface FundingNetworkSettings {
  chainId: number;
  symbol: string;
  decimals: number;
  reserve: string;
  alertBelow: string;
  capPerRun: string;
  /** What one top-up may spend on fees: the gas ceiling and the cap per gas (wei; none: no cap). */
  gas: { maxPerTransfer: string; maxFeePerGas?: string };
  roles: Record<string, FundingThresholds>;
  /** By lower-cased address. */
  overrides: Record<string, FundingThresholds>;
}

export interface FundingSettings {
  environment: string;
  /** The key that pays: its alias, and its secret in development. */
  bank: { store: 'kms' | 'secrets-manager'; alias: string; secretName?: string };
  networks: Record<string, FundingNetworkSettings>;
  /** Who is funded where (the funding matrix without amounts), sorted. */
  wallets: Array<{ network: string; home: string; role: string; alias: string }>;
  extraAccounts: Array<{
    network: string;
    address: string;
    label: string;
    lower: string;
    target: string;
  }>;
}

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
      reserve: wei(settings.bank.reserve),
      alertBelow: wei(settings.bank.alertBelow),
      capPerRun: wei(settings.capPerRun),
      gas: {
        maxPerTransfer: wei(settings.gas.maxPerTransfer),
        ...(settings.gas.maxFeePerGas !== undefined
          ? { maxFeePerGas: wei(settings.gas.maxFeePerGas) }
          : {}),
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

/** One line of the settings as people read them: `ethereum · updater` → `lower 0.5 ETH, target 1.5 ETH`. */
export interface FundingSettingLine {
  setting: string;
  value: string;
}

/** The settings as lines, in a stable order, amounts in the chain's native unit. */
export function fundingSettingLines(settings: FundingSettings): FundingSettingLine[] {
  const lines: FundingSettingLine[] = [];
  const bank = settings.bank;
  lines.push({
    setting: 'bank',
    value: bank.secretName ? `${bank.alias} (secret ${bank.secretName})` : `${bank.alias} (KMS)`,
  });
  for (const [name, n] of Object.entries(settings.networks)) {
    const amount = (value: string) => `${formatUnits(BigInt(value), n.decimals)} ${n.symbol}`;
    const range = (t: FundingThresholds) => `lower ${amount(t.lower)}, target ${amount(t.target)}`;
    lines.push({ setting: `${name} · chain id`, value: String(n.chainId) });
    lines.push({ setting: `${name} · bank reserve`, value: amount(n.reserve) });
    lines.push({ setting: `${name} · bank alert below`, value: amount(n.alertBelow) });
    lines.push({ setting: `${name} · cap per run`, value: amount(n.capPerRun) });
    lines.push({ setting: `${name} · gas per top-up at most`, value: n.gas.maxPerTransfer });
    lines.push({
      setting: `${name} · fee per gas at most`,
      value:
        n.gas.maxFeePerGas === undefined
          ? 'no cap'
          : `${formatUnits(BigInt(n.gas.maxFeePerGas), 'gwei')} gwei`,
    });
    for (const [role, t] of Object.entries(n.roles)) {
      lines.push({ setting: `${name} · ${role}`, value: range(t) });
    }
    for (const [address, t] of Object.entries(n.overrides)) {
      lines.push({ setting: `${name} · override ${address}`, value: range(t) });
    }
  }
  for (const e of settings.extraAccounts) {
    const n = settings.networks[e.network];
    const amount = (value: string) =>
      n ? `${formatUnits(BigInt(value), n.decimals)} ${n.symbol}` : `${value} wei`;
    lines.push({
      setting: `${e.network} · extra account ${e.address}`,
      value: `${e.label}: lower ${amount(e.lower)}, target ${amount(e.target)}`,
    });
  }
  for (const w of settings.wallets) {
    lines.push({ setting: `${w.network} · funds ${w.alias}`, value: `${w.home} ${w.role}` });
  }
  return lines;
}

export interface FundingSettingChange {
  setting: string;
  /** Undefined when the setting is new. */
  before?: string | undefined;
  /** Undefined when the setting is gone. */
  after?: string | undefined;
}

/** What changed from `before` to `after`, setting by setting (unchanged ones left out). */
export function diffFundingSettings(
  before: FundingSettings | undefined,
  after: FundingSettings,
): FundingSettingChange[] {
  const old = new Map((before ? fundingSettingLines(before) : []).map((l) => [l.setting, l.value]));
  const changes: FundingSettingChange[] = [];
  const seen = new Set<string>();
  for (const line of fundingSettingLines(after)) {
    seen.add(line.setting);
    const was = old.get(line.setting);
    if (was === line.value) continue;
    changes.push({
      setting: line.setting,
      ...(was !== undefined ? { before: was } : {}),
      after: line.value,
    });
  }
  for (const [setting, was] of old) {
    if (!seen.has(setting)) changes.push({ setting, before: was });
  }
  return changes;
}
