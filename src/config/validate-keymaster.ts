import { fractionDigits, toWei } from './amounts.js';
import type { AgentRole } from './names.js';
import { type FieldIssue, formatPath, type PathSegment } from './problem.js';
import { asArray, isRecord, keyNamesOf, type NetworkView, type Raw } from './raw.js';
import { didYouMean } from './suggest.js';

/** The Keymaster's cross-field rules: entries per network, thresholds, amounts in each token's decimals. */

/** Roles funded on each network (DESIGN §6), with why, for roles whose `-signer` key exists. */
export function fundedRoles(
  networks: ReadonlyArray<{ name: string; replicas: readonly string[] }>,
  keyNames: readonly string[],
): Map<string, Map<AgentRole, string>> {
  const funded = new Map<string, Map<AgentRole, string>>(networks.map((n) => [n.name, new Map()]));
  const hasKey = (role: AgentRole) => keyNames.includes(`${role}-signer`);
  const add = (network: string, role: AgentRole, why: string) => {
    const roles = funded.get(network);
    if (roles && hasKey(role) && !roles.has(role)) roles.set(role, why);
  };
  for (const home of networks) {
    for (const role of ['updater', 'watcher', 'kathy'] as const)
      add(home.name, role, `${home.name} is a home network`);
    for (const replica of home.replicas) {
      for (const role of ['relayer', 'processor', 'watcher'] as const)
        add(replica, role, `it is a replica of ${home.name}`);
    }
  }
  return funded;
}

export function keymasterIssues(data: Raw, networks: NetworkView[]): FieldIssue[] {
  const keymaster = isRecord(data.keymaster) ? data.keymaster : undefined;
  if (!keymaster || !isRecord(keymaster.networks)) return [];
  const entries = keymaster.networks;
  const issues: FieldIssue[] = [];
  const byName = new Map(
    networks.flatMap((n) => (n.name === undefined ? [] : [[n.name, n] as const])),
  );
  const known = [...byName.keys()];
  // Without a readable network list every entry would look unknown: the schema reports the list.
  if (!Array.isArray(data.networks)) return issues;

  for (const name of known) {
    if (!Object.hasOwn(entries, name)) {
      issues.push({
        path: ['keymaster', 'networks', name],
        message: `network "${name}" has no Keymaster entry; add keymaster.networks.${name} with roles, bank and capPerRun`,
      });
    }
  }
  for (const [name, entry] of Object.entries(entries)) {
    const network = byName.get(name);
    if (!network) {
      issues.push({
        path: ['keymaster', 'networks', name],
        at: 'key',
        message: `"${name}" is not a network of this environment${didYouMean(name, known)}; known networks: ${known.join(', ')}`,
      });
      continue;
    }
    if (isRecord(entry))
      issues.push(...entryIssues(['keymaster', 'networks', name], entry, network.decimals));
  }

  const homes = networks.flatMap((n) =>
    n.name === undefined
      ? []
      : [
          {
            name: n.name,
            replicas: Array.isArray(n.replicas)
              ? n.replicas.filter(
                  (r): r is string => typeof r === 'string' && r !== n.name && byName.has(r),
                )
              : known.filter((k) => k !== n.name),
          },
        ],
  );
  const keyNames = keyNamesOf(data);
  for (const [name, roles] of fundedRoles(homes, keyNames)) {
    const entry = entries[name];
    if (!isRecord(entry) || !isRecord(entry.roles)) continue;
    for (const [role, why] of roles) {
      if (entry.roles[role] === undefined) {
        issues.push({
          path: ['keymaster', 'networks', name, 'roles', role],
          message: `no thresholds for ${role} on ${name}, which funds ${role} wallets because ${why}; add ${role}: { lower: "…", target: "…" }`,
        });
      }
    }
  }

  asArray(keymaster.extraAccounts).forEach((account, i) => {
    if (!isRecord(account)) return;
    const path = ['keymaster', 'extraAccounts', i];
    const network = typeof account.network === 'string' ? byName.get(account.network) : undefined;
    if (typeof account.network === 'string' && !network) {
      issues.push({
        path: [...path, 'network'],
        message: `"${account.network}" is not a network of this environment${didYouMean(account.network, known)}; known networks: ${known.join(', ')}`,
      });
      return;
    }
    if (network) issues.push(...thresholdIssues(path, account, network.decimals));
  });
  return issues;
}

function entryIssues(path: PathSegment[], entry: Raw, decimals: number | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (isRecord(entry.roles)) {
    for (const [role, threshold] of Object.entries(entry.roles)) {
      if (isRecord(threshold))
        issues.push(...thresholdIssues([...path, 'roles', role], threshold, decimals));
    }
  }
  if (isRecord(entry.bank)) {
    const bank = [...path, 'bank'];
    issues.push(...amountIssues([...bank, 'reserve'], entry.bank.reserve, decimals));
    issues.push(...amountIssues([...bank, 'alertBelow'], entry.bank.alertBelow, decimals));
    const reserve = decimals === undefined ? undefined : toWei(entry.bank.reserve, decimals);
    const alertBelow = decimals === undefined ? undefined : toWei(entry.bank.alertBelow, decimals);
    if (reserve !== undefined && alertBelow !== undefined && reserve > alertBelow) {
      issues.push({
        path: [...bank, 'reserve'],
        message: `reserve ${String(entry.bank.reserve)} is above alertBelow ${String(entry.bank.alertBelow)}; the alert must fire before the bank reaches its reserve, so reserve ≤ alertBelow`,
      });
    }
  }
  issues.push(...amountIssues([...path, 'capPerRun'], entry.capPerRun, decimals, true));
  if (isRecord(entry.gas)) {
    // Gwei are 10^9 wei on every chain, whatever the native token's decimals.
    issues.push(
      ...amountIssues([...path, 'gas', 'maxFeePerGasGwei'], entry.gas.maxFeePerGasGwei, 9, true),
    );
  }
  const seen = new Map<string, number>();
  asArray(entry.overrides).forEach((override, i) => {
    if (!isRecord(override)) return;
    const at = [...path, 'overrides', i];
    issues.push(...thresholdIssues(at, override, decimals));
    if (typeof override.address !== 'string') return;
    const address = override.address.toLowerCase();
    const first = seen.get(address);
    if (first !== undefined)
      issues.push({
        path: [...at, 'address'],
        message: `this address already has an override (${formatPath([...path, 'overrides', first])}); give each address one override`,
      });
    else seen.set(address, i);
  });
  return issues;
}

function thresholdIssues(
  path: PathSegment[],
  threshold: Raw,
  decimals: number | undefined,
): FieldIssue[] {
  const issues = [
    ...amountIssues([...path, 'lower'], threshold.lower, decimals),
    ...amountIssues([...path, 'target'], threshold.target, decimals),
  ];
  const lower = decimals === undefined ? undefined : toWei(threshold.lower, decimals);
  const target = decimals === undefined ? undefined : toWei(threshold.target, decimals);
  if (lower !== undefined && target !== undefined && lower >= target) {
    issues.push({
      path: [...path, 'lower'],
      message: `lower ${String(threshold.lower)} must be below target ${String(threshold.target)}: a wallet under lower is topped up to target`,
    });
  }
  return issues;
}

/** Precision and sign; the decimal-string shape itself is the schema's job. */
function amountIssues(
  path: PathSegment[],
  amount: unknown,
  decimals: number | undefined,
  positive = false,
): FieldIssue[] {
  if (typeof amount !== 'string' || decimals === undefined) return [];
  const digits = fractionDigits(amount);
  if (digits === undefined) return [];
  if (digits > decimals) {
    return [
      {
        path,
        message: `${amount} has ${digits} digits after the point but the token has ${decimals} decimals; use at most ${decimals}`,
      },
    ];
  }
  const wei = toWei(amount, decimals);
  if (wei !== undefined && wei > MAX_UINT256) {
    return [
      {
        path,
        message: `${amount} is more than a chain can hold (2^256 - 1 wei); give an amount in the native unit, like "0.5"`,
      },
    ];
  }
  if (positive && wei === 0n) return [{ path, message: 'must be greater than 0' }];
  return [];
}

/** The largest amount an EVM chain can hold or send, in wei. */
const MAX_UINT256 = 2n ** 256n - 1n;
