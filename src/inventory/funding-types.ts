/**
 * The shape of the funding settings (see `funding-settings.ts`): plain JSON, wei as decimal
 * strings, so that what is hashed, recorded and shown is one value.
 */

export interface FundingThresholds {
  lower: string;
  target: string;
}

export interface FundingNetworkSettings {
  chainId: number;
  symbol: string;
  decimals: number;
  /** The name of the variable that holds the RPC URL (never the URL: it may carry a key). */
  rpcUrlEnv: string;
  /** EIP-1559 transactions: yes, no, or `auto` (when the chain reports a base fee). */
  eip1559: boolean | 'auto';
  reserve: string;
  alertBelow: string;
  capPerRun: string;
  /**
   * What one top-up may spend on fees: the gas ceiling, the cap per gas (wei; none: no cap), and
   * how long a top-up waits before it is replaced at the same nonce with bumped fees.
   */
  gas: { maxPerTransfer: string; maxFeePerGas?: string; replaceAfterSeconds: number };
  roles: Record<string, FundingThresholds>;
  /** By lower-cased address. */
  overrides: Record<string, FundingThresholds>;
}

export interface FundingSettings {
  environment: string;
  /** The key that pays: its alias, and its secret in development. */
  bank: { store: 'kms' | 'secrets-manager'; alias: string; secretName?: string };
  /**
   * When the service sends (its interval) and how long a run waits for receipts, replacing
   * stuck top-ups meanwhile.
   */
  schedule: { intervalSeconds: number; receiptTimeoutSeconds: number };
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

/** One line of the settings as people read them: `ethereum · updater` → `lower 0.5 ETH (…), …`. */
export interface FundingSettingLine {
  setting: string;
  value: string;
  /**
   * The path of the settings field the line shows (`networks.ethereum.roles.updater`): the line
   * covers that field and everything under it.
   */
  field: readonly string[];
}

export interface FundingSettingChange {
  setting: string;
  /** Undefined when the setting is new. */
  before?: string | undefined;
  /** Undefined when the setting is gone. */
  after?: string | undefined;
}
