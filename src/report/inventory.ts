import { formatUnits } from 'ethers';
import type { ResolvedEnvironment } from '../config/model.js';
import type { Inventory } from '../inventory/types.js';
import { renderConsoleTable, renderMarkdownTable, type Table } from './table.js';

/** The sections of an offline plan: what the environment needs, before looking at AWS. */
export interface InventorySections {
  keys: Table;
  principals: Table;
  policies: Table;
  bucket: Table;
  funding: Table;
  /** Who can sign with which keys, by operator (files that list operators). */
  access?: Table;
  notes: string[];
}

export function inventorySections(env: ResolvedEnvironment, inv: Inventory): InventorySections {
  const symbolOf = new Map(env.networks.map((n) => [n.name, n.nativeToken]));
  const amount = (network: string, wei: bigint) => {
    const token = symbolOf.get(network);
    return token ? `${formatUnits(wei, token.decimals)} ${token.symbol}` : wei.toString();
  };
  const store = inv.keyStore === 'kms' ? 'KMS' : 'Secrets Manager';
  const keys: Table = {
    columns: ['Alias', 'Region', 'Purpose', 'Store', 'Description'],
    rows: inv.keys.map((k) => [
      k.alias,
      inv.region,
      k.purpose,
      k.secretName ? `${store}: ${k.secretName}` : store,
      k.description,
    ]),
  };
  const groupsOf = (user: string) =>
    inv.iam.memberships.filter((m) => m.user === user).map((m) => m.group);
  const principals: Table = {
    columns: ['Kind', 'Name', 'Member of / trusted subject'],
    rows: [
      ...inv.iam.users.map((u) => ['user', u.name, groupsOf(u.name).join(', ')]),
      ...inv.iam.groups.map((g) => ['group', g.name, '']),
      ...(inv.iam.github?.roles ?? []).map((r) => ['role', r.name, r.subject]),
      ...(inv.iam.operatorRoles ?? []).map((r) => ['role', r.name, r.subject]),
    ],
  };
  const attachedTo = (policyName: string) =>
    inv.iam.attachments
      .filter((a) => a.policyName === policyName)
      .map((a) => `${a.target.kind} ${a.target.name}`)
      .join(', ');
  const policies: Table = {
    columns: ['Policy', 'Attached to', 'Description'],
    rows: inv.iam.policies.map((p) => [p.name, attachedTo(p.name), p.description]),
  };
  const bucket: Table = {
    columns: ['Bucket', 'Region', 'Public read', 'CORS origins'],
    rows: [
      [
        inv.bucket.name,
        inv.bucket.region,
        's3:GetObject on objects only',
        inv.bucket.cors.flatMap((c) => c.AllowedOrigins).join(', '),
      ],
    ],
  };
  const funding: Table = {
    columns: ['Network', 'Home', 'Role', 'Key', 'Lower', 'Target'],
    rows: inv.funding.map((f) => [
      f.network,
      f.home,
      f.role,
      f.alias ?? f.address ?? f.label,
      amount(f.network, f.lower),
      amount(f.network, f.target),
    ]),
  };
  const notes = [
    ...(inv.iam.githubOmitted ? [`GitHub OIDC roles left out: ${inv.iam.githubOmitted}`] : []),
    ...inv.unfunded.map((u) => `not funded: ${u.alias} on ${u.network}: ${u.reason}`),
  ];
  const parties = inv.iam.keyAccess?.parties;
  const access: Table | undefined = parties && {
    columns: ['Operator', 'Principal', 'Keys it can sign with', 'Proofs upload'],
    rows: parties.map((p) => [
      p.name,
      `${p.principal.kind} ${p.principal.name}`,
      p.keys.join(', ') || '(none)',
      p.uploadsProofs ? 'yes' : 'no',
    ]),
  };
  return { keys, principals, policies, bucket, funding, ...(access ? { access } : {}), notes };
}

const TITLES: Record<Exclude<keyof InventorySections, 'notes'>, string> = {
  keys: 'Keys',
  principals: 'Principals',
  access: 'Access by operator',
  policies: 'Policies',
  bucket: 'Proofs bucket',
  funding: 'Funding matrix',
};

export function renderInventoryConsole(env: ResolvedEnvironment, inv: Inventory): string {
  const s = inventorySections(env, inv);
  const parts = [
    `Environment ${inv.environment} (account ${inv.accountId}, region ${inv.region}): ${inv.keys.length} keys, ${inv.funding.length} funded wallets`,
  ];
  for (const [key, title] of Object.entries(TITLES) as [keyof typeof TITLES, string][]) {
    const table = s[key];
    if (table) parts.push(`\n${title}\n${renderConsoleTable(table)}`);
  }
  if (s.notes.length > 0) parts.push(`\nNotes\n${s.notes.map((n) => `- ${n}`).join('\n')}`);
  return parts.join('\n');
}

export function renderInventoryMarkdown(env: ResolvedEnvironment, inv: Inventory): string {
  const s = inventorySections(env, inv);
  const parts = [`## ${inv.environment}: offline plan`];
  for (const [key, title] of Object.entries(TITLES) as [keyof typeof TITLES, string][]) {
    const table = s[key];
    if (table) parts.push(`### ${title}\n\n${renderMarkdownTable(table)}`);
  }
  if (s.notes.length > 0) parts.push(s.notes.map((n) => `- ${n}`).join('\n'));
  return parts.join('\n\n') + '\n';
}
