import { formatUnits } from 'ethers';
import type {
  FundingNetworkSettings,
  FundingSettingChange,
  FundingSettingLine,
  FundingSettings,
  FundingThresholds,
} from './funding-types.js';

/**
 * The funding settings as reviewers read them: one line per setting, every hashed field on a
 * line (`field` says which), each amount in the chain's unit and in wei. A settings object is
 * always formatted with its own decimals, so a `decimals` change shows both as a line of its own
 * and in every amount's wei. `diffFundingSettings` compares two settings line by line.
 */

type Line = FundingSettingLine;

const seconds = (value: number) => `${value} s`;

/** `1.5 ETH (1500000000000000000 wei)`: the unit for reading, the wei that is paid. */
function amountIn(network: FundingNetworkSettings | undefined) {
  return (value: string) => {
    const wei = BigInt(value);
    return network
      ? `${formatUnits(wei, network.decimals)} ${network.symbol} (${wei} wei)`
      : `${wei} wei`;
  };
}

function eip1559Text(value: FundingNetworkSettings['eip1559']): string {
  if (value === 'auto') return 'auto (when the chain reports a base fee)';
  return value ? 'yes' : 'no';
}

function networkLines(name: string, n: FundingNetworkSettings): Line[] {
  const amount = amountIn(n);
  const range = (t: FundingThresholds) => `lower ${amount(t.lower)}, target ${amount(t.target)}`;
  const at = (...path: string[]) => ['networks', name, ...path];
  const lines: Line[] = [
    { setting: `${name} · chain id`, value: String(n.chainId), field: at('chainId') },
    { setting: `${name} · native token`, value: n.symbol, field: at('symbol') },
    { setting: `${name} · decimals`, value: String(n.decimals), field: at('decimals') },
    { setting: `${name} · RPC URL variable`, value: n.rpcUrlEnv, field: at('rpcUrlEnv') },
    { setting: `${name} · EIP-1559`, value: eip1559Text(n.eip1559), field: at('eip1559') },
    { setting: `${name} · bank reserve`, value: amount(n.reserve), field: at('reserve') },
    { setting: `${name} · bank alert below`, value: amount(n.alertBelow), field: at('alertBelow') },
    { setting: `${name} · cap per run`, value: amount(n.capPerRun), field: at('capPerRun') },
    {
      setting: `${name} · gas per top-up at most`,
      value: `${n.gas.maxPerTransfer} gas`,
      field: at('gas', 'maxPerTransfer'),
    },
    {
      setting: `${name} · fee per gas at most`,
      value:
        n.gas.maxFeePerGas === undefined
          ? 'no cap'
          : `${formatUnits(BigInt(n.gas.maxFeePerGas), 'gwei')} gwei (${n.gas.maxFeePerGas} wei)`,
      field: at('gas', 'maxFeePerGas'),
    },
    {
      setting: `${name} · replace a stuck top-up after`,
      value: seconds(n.gas.replaceAfterSeconds),
      field: at('gas', 'replaceAfterSeconds'),
    },
  ];
  for (const [role, t] of Object.entries(n.roles)) {
    lines.push({ setting: `${name} · ${role}`, value: range(t), field: at('roles', role) });
  }
  for (const [address, t] of Object.entries(n.overrides)) {
    lines.push({
      setting: `${name} · override ${address}`,
      value: range(t),
      field: at('overrides', address),
    });
  }
  return lines;
}

/** The settings as lines, in a stable order; a setting named twice gets `#2`, `#3`… */
export function fundingSettingLines(settings: FundingSettings): FundingSettingLine[] {
  const { bank, schedule } = settings;
  const lines: Line[] = [
    { setting: 'environment', value: settings.environment, field: ['environment'] },
    {
      setting: 'bank',
      value: `${bank.alias} in ${bank.store === 'kms' ? 'KMS' : 'Secrets Manager'}${bank.secretName ? ` (secret ${bank.secretName})` : ''}`,
      field: ['bank'],
    },
    {
      setting: 'Keymaster · interval',
      value: `every ${seconds(schedule.intervalSeconds)}`,
      field: ['schedule', 'intervalSeconds'],
    },
    {
      setting: 'Keymaster · wait for receipts',
      value: seconds(schedule.receiptTimeoutSeconds),
      field: ['schedule', 'receiptTimeoutSeconds'],
    },
  ];
  for (const [name, n] of Object.entries(settings.networks)) lines.push(...networkLines(name, n));
  settings.extraAccounts.forEach((e, i) => {
    const amount = amountIn(settings.networks[e.network]);
    lines.push({
      setting: `${e.network} · extra account ${e.address}`,
      value: `${e.label}: lower ${amount(e.lower)}, target ${amount(e.target)}`,
      field: ['extraAccounts', String(i)],
    });
  });
  settings.wallets.forEach((w, i) => {
    lines.push({
      setting: `${w.network} · funds ${w.alias}`,
      value: `${w.home} ${w.role}`,
      field: ['wallets', String(i)],
    });
  });
  return numbered(lines);
}

/** Keeps settings distinct, so a diff keyed by setting never folds two lines into one. */
function numbered(lines: Line[]): Line[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const count = (seen.get(line.setting) ?? 0) + 1;
    seen.set(line.setting, count);
    return count === 1 ? line : { ...line, setting: `${line.setting} #${count}` };
  });
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
