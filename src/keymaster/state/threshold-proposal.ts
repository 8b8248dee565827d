import { formatUnits } from 'ethers';
import type { KeymasterBurnConfig } from '../../config/schema-burn.js';
import type { ResolvedEnvironment } from '../../config/model.js';
import { DAY_MS, daysOf, roundUpSignificant, type RoleBurn } from './burn.js';

/**
 * Thresholds that follow the burn (issue 30 item 4): per network and role, lower = `lowerDays`
 * of the role's hungriest wallet's daily burn and target = `targetDays` of it, rounded up to
 * `significantDigits` for people. Pure: measured burn and the file's settings in, rows out. Rows
 * without a day of evidence, or without burn, keep what the file says.
 */

export interface ThresholdProposal {
  network: string;
  role: string;
  wallets: number;
  /** The hungriest wallet's daily burn, and how long it was measured. */
  dailyWei: bigint;
  measuredMs: number;
  current: { lower: bigint; target: bigint };
  proposed: { lower: bigint; target: bigint };
  /** Why the file's values stay, when they do. */
  kept?: string;
}

export function proposeThresholds(
  env: Pick<ResolvedEnvironment, 'keymaster'>,
  burns: RoleBurn[],
  rule: KeymasterBurnConfig = env.keymaster.burn,
): ThresholdProposal[] {
  const out: ThresholdProposal[] = [];
  for (const [network, settings] of Object.entries(env.keymaster.networks)) {
    for (const [role, current] of Object.entries(settings.roles)) {
      if (!current) continue;
      const burn = burns.find((b) => b.network === network && b.role === role);
      const base = {
        network,
        role,
        wallets: burn?.wallets ?? 0,
        dailyWei: burn?.maxWalletDailyWei ?? 0n,
        measuredMs: burn?.measuredMs ?? 0,
        current: { lower: current.lower, target: current.target },
      };
      const keep = (kept: string) => out.push({ ...base, proposed: base.current, kept });
      if (!burn) keep('no burn measured');
      else if (burn.measuredMs < DAY_MS) keep('less than a day measured');
      else if (burn.maxWalletDailyWei === 0n) keep('no burn in the window');
      else {
        const lower = roundUpSignificant(
          daysOf(burn.maxWalletDailyWei, rule.lowerDays),
          rule.significantDigits,
        );
        const target = roundUpSignificant(
          daysOf(burn.maxWalletDailyWei, rule.targetDays),
          rule.significantDigits,
        );
        out.push({ ...base, proposed: { lower, target: target > lower ? target : lower + 1n } });
      }
    }
  }
  return out.sort((a, b) => a.network.localeCompare(b.network) || a.role.localeCompare(b.role));
}

export const changed = (p: ThresholdProposal) =>
  p.proposed.lower !== p.current.lower || p.proposed.target !== p.current.target;

/** An amount as the file writes it: a decimal string in the chain's unit, no trailing zeros. */
export function fileAmount(wei: bigint, decimals: number): string {
  return formatUnits(wei, decimals)
    .replace(/\.0+$/, '')
    .replace(/(\.\d*?)0+$/, '$1');
}

/** The pull request's description: the rule, then every row with its evidence. */
export function proposalMarkdown(
  environment: string,
  proposals: ThresholdProposal[],
  rule: KeymasterBurnConfig,
  units: Record<string, { symbol: string; decimals: number } | undefined>,
  window: { since: string; until: string },
): string {
  const unit = (network: string) => units[network] ?? { symbol: 'wei', decimals: 0 };
  const fmt = (wei: bigint, network: string) =>
    `${fileAmount(wei, unit(network).decimals)} ${unit(network).symbol}`;
  const rows = proposals.map((p) => {
    const days = (p.measuredMs / DAY_MS).toFixed(1);
    const proposed = p.kept
      ? `kept (${p.kept})`
      : `${fmt(p.proposed.lower, p.network)} / ${fmt(p.proposed.target, p.network)}`;
    return `| ${p.network} | ${p.role} | ${p.wallets} | ${fmt(p.dailyWei, p.network)} (${p.dailyWei} wei) | ${days} d | ${fmt(p.current.lower, p.network)} / ${fmt(p.current.target, p.network)} | ${proposed} |`;
  });
  return [
    `Keymaster thresholds of **${environment}** from the measured burn, ${window.since} to ${window.until}.`,
    '',
    `Rule (\`keymaster.burn\` in the file): lower = ${rule.lowerDays} days and target = ${rule.targetDays} days of the role's hungriest wallet's daily burn (balance lost between Keymaster runs, top-ups excluded), rounded up to ${rule.significantDigits} significant digits.`,
    '',
    '| network | role | wallets | daily burn (hungriest wallet) | measured | lower / target now | proposed lower / target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Evidence: \`nomad-ops keymaster ledger --env ${environment} --burn --since ${window.since}\`. These are funding settings: the apply workflow's plan shows them and reviewers approve them like any funding change; nothing changes until then.`,
  ].join('\n');
}
