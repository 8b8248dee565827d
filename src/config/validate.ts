import { type FieldIssue, formatPath, type PathSegment } from './problem.js';
import { isAwsRegion, AWS_REGIONS } from './regions.js';
import { defaultKeyNames, ENVIRONMENT_NAMES, type AgentRole } from './schema.js';
import { didYouMean } from './suggest.js';
import { fractionDigits, toWei } from './amounts.js';
import { classifySubjectPrefix, subjectPrefixMismatch } from './github-subject.js';
import { operatorIssues } from './operators.js';
import { resourceNameIssues } from './resource-names.js';

/**
 * Rules that span fields, which a schema cannot express. Runs on the parsed file even when the
 * schema found problems, so one run reports everything; each rule skips parts whose shape is wrong
 * (the schema reports those).
 */
export function crossFieldIssues(
  data: unknown,
  context: { fileEnvironment?: string } = {},
): FieldIssue[] {
  if (!isRecord(data)) return [];
  const networks = readNetworks(data);
  return [
    ...environmentNameIssues(data, context.fileEnvironment),
    ...regionIssues(data),
    ...keyNameIssues(data),
    ...networkIssues(networks),
    ...keymasterIssues(data, networks),
    ...githubSubjectIssues(data),
    ...operatorIssues(data, {
      networks: networks.flatMap((n) => (n.name === undefined ? [] : [n.name])),
      keyNames: keyNamesOf(data),
    }),
    ...resourceNameIssues(data),
  ];
}

type Raw = Record<string, unknown>;
const isRecord = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);
const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const isEnvironmentName = (x: unknown): x is (typeof ENVIRONMENT_NAMES)[number] =>
  typeof x === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(x);

interface NetworkView {
  index: number;
  name: string | undefined;
  chainId: unknown;
  decimals: number | undefined;
  replicas: unknown;
}

function readNetworks(data: Raw): NetworkView[] {
  return asArray(data.networks).map((n, index) => {
    const network = isRecord(n) ? n : {};
    const token = isRecord(network.nativeToken) ? network.nativeToken : {};
    const decimals = token.decimals === undefined ? 18 : token.decimals;
    return {
      index,
      name: typeof network.name === 'string' ? network.name : undefined,
      chainId: network.chainId,
      decimals:
        Number.isInteger(decimals) && (decimals as number) >= 0 ? (decimals as number) : undefined,
      replicas: network.replicas,
    };
  });
}

function environmentNameIssues(data: Raw, fileEnvironment: string | undefined): FieldIssue[] {
  if (fileEnvironment === undefined || !isEnvironmentName(data.environment)) return [];
  if (data.environment === fileEnvironment) return [];
  return [
    {
      path: ['environment'],
      message: `is "${data.environment}" but the file is ${fileEnvironment}.yaml; the file must be named after its environment: fix the value or rename the file`,
    },
  ];
}

function regionIssues(data: Raw): FieldIssue[] {
  const region = isRecord(data.aws) ? data.aws.region : undefined;
  if (typeof region !== 'string' || isAwsRegion(region)) return [];
  const shown = /^[a-z0-9-]{1,30}$/.test(region) ? `"${region}"` : 'this';
  return [
    {
      path: ['aws', 'region'],
      message: `${shown} is not an AWS region name${didYouMean(region, AWS_REGIONS)}; expected a region like us-west-2`,
    },
  ];
}

/** The key names in force: listed ones, or the defaults for the environment. */
function keyNamesOf(data: Raw): string[] {
  const listed = isRecord(data.keys) ? data.keys.names : undefined;
  if (Array.isArray(listed)) return listed.filter((k): k is string => typeof k === 'string');
  // Unknown environment: assume production's six, the stricter set (no kathy).
  return defaultKeyNames(isEnvironmentName(data.environment) ? data.environment : 'production');
}

function keyNameIssues(data: Raw): FieldIssue[] {
  const listed = isRecord(data.keys) ? asArray(data.keys.names) : [];
  const issues: FieldIssue[] = [];
  const seen = new Map<unknown, number>();
  listed.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({
        path: ['keys', 'names', i],
        message: `"${String(name)}" is listed twice (also keys.names[${first}]); list each key name once`,
      });
    } else seen.set(name, i);
    if (name === 'kathy-signer' && data.environment === 'production') {
      issues.push({
        path: ['keys', 'names', i],
        message: 'kathy-signer is not allowed in production: kathy sends test messages; remove it',
      });
    }
  });
  return issues;
}

/** 256 (KMS alias) minus `alias/development-` and `-watcher-attestation`, rounded down. */
const MAX_NETWORK_NAME = 200;

function networkIssues(networks: NetworkView[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = new Map<string, number>();
  const folded = new Map<string, number>();
  const chainIds = new Map<unknown, number>();
  for (const n of networks) {
    if (n.name !== undefined) {
      const first = names.get(n.name);
      const sameButCase = folded.get(n.name.toLowerCase());
      if (first !== undefined) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `"${n.name}" is already the name of networks[${first}]; network names must be unique`,
        });
      } else if (sameButCase !== undefined) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `"${n.name}" differs from networks[${sameButCase}] only in case; network names must be unique ignoring case (they name keys, secrets and chains operators read aloud)`,
        });
      } else {
        names.set(n.name, n.index);
        folded.set(n.name.toLowerCase(), n.index);
      }
      if (n.name.length > MAX_NETWORK_NAME) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `is ${n.name.length} characters; at most ${MAX_NETWORK_NAME}, so that every KMS alias alias/{env}-{network}-{keyName} stays within KMS's 256`,
        });
      }
    }
    if (typeof n.chainId === 'number') {
      const first = chainIds.get(n.chainId);
      if (first !== undefined) {
        issues.push({
          path: ['networks', n.index, 'chainId'],
          message: `chain id ${n.chainId} is already used by networks[${first}]${networks[first]?.name ? ` (${networks[first]?.name})` : ''}; chain ids must be unique`,
        });
      } else chainIds.set(n.chainId, n.index);
    }
  }
  const known = [...names.keys()];
  for (const n of networks) {
    const seen = new Set<string>();
    asArray(n.replicas).forEach((replica, i) => {
      if (typeof replica !== 'string') return;
      const path = ['networks', n.index, 'replicas', i];
      if (replica === n.name) {
        issues.push({
          path,
          message: `"${replica}" is this network itself; a home is not its own replica, list only other networks`,
        });
      } else if (!names.has(replica)) {
        issues.push({
          path,
          message: `"${replica}" is not a network of this environment${didYouMean(replica, known)}; known networks: ${known.join(', ')}`,
        });
      } else if (seen.has(replica)) {
        issues.push({ path, message: `"${replica}" is listed twice; list each replica once` });
      }
      seen.add(replica);
    });
  }
  return issues;
}

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

function keymasterIssues(data: Raw, networks: NetworkView[]): FieldIssue[] {
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

/** A stated OIDC subject prefix must belong to github.repository, in one of GitHub's formats. */
function githubSubjectIssues(data: Raw): FieldIssue[] {
  const github = isRecord(data.github) ? data.github : {};
  const { repository, subjectPrefix } = github;
  if (typeof subjectPrefix !== 'string') return [];
  const path: PathSegment[] = ['github', 'subjectPrefix'];
  if (typeof repository !== 'string') {
    return [
      {
        path,
        message:
          'needs github.repository: the prefix is checked against the repository it must name; add github.repository (owner/name)',
      },
    ];
  }
  if (classifySubjectPrefix(subjectPrefix, repository)) return [];
  return [{ path, message: subjectPrefixMismatch(subjectPrefix, repository) }];
}
