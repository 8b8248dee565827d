import { formatAmount, type UnitsByNetwork } from '../../config/amounts.js';
import { toJsonValue } from '../../inventory/json.js';
import { renderConsoleTable } from '../../report/table.js';
import { DAY_MS, type RoleBurn, type WalletBurn } from './burn.js';

/** `keymaster ledger --burn` as a console table or JSON; amounts in the chain's unit and in wei. */

export interface BurnReportData {
  environment: string;
  bucket: string;
  since: string;
  until: string;
  snapshots: number;
  roles: RoleBurn[];
  wallets: WalletBurn[];
}

const days = (ms: number) => `${(ms / DAY_MS).toFixed(1)} d`;

export function renderBurnConsole(data: BurnReportData, units: UnitsByNetwork): string {
  const head = `Daily burn in ${data.environment} (s3://${data.bucket}), ${data.since} to ${data.until}: ${data.snapshots} balances snapshot(s)`;
  if (data.roles.length === 0) {
    return `${head}\n\nNo burn measured yet: it takes two Keymaster runs that hold the lease (see docs/runbooks/keymaster-ledger-and-lease.md#burn).`;
  }
  const table = renderConsoleTable({
    columns: [
      'Network',
      'Role',
      'Wallets',
      'Daily burn',
      'Daily burn (wei)',
      'Hungriest wallet / day',
      'Hungriest (wei)',
      'Measured',
    ],
    rows: data.roles.map((r) => [
      r.network,
      r.role,
      String(r.wallets),
      formatAmount(r.dailyWei, r.network, units),
      r.dailyWei.toString(),
      formatAmount(r.maxWalletDailyWei, r.network, units),
      r.maxWalletDailyWei.toString(),
      days(r.measuredMs),
    ]),
  });
  return `${head}\n\n${table}`;
}

export function burnJson(data: BurnReportData, units: UnitsByNetwork): string {
  return JSON.stringify(
    toJsonValue({
      ...data,
      roles: data.roles.map((r) => ({
        ...r,
        daily: formatAmount(r.dailyWei, r.network, units),
        maxWalletDaily: formatAmount(r.maxWalletDailyWei, r.network, units),
      })),
      wallets: data.wallets.map((w) => ({
        ...w,
        daily: formatAmount(w.dailyWei, w.network, units),
      })),
    }),
    null,
    2,
  );
}
