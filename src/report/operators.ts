import type { OperatorsInventory } from '../inventory/operators.js';
import { renderConsoleTable, type Table } from './table.js';

/**
 * `nomad-ops operators`: each operator, how it authenticates, its agents, their keys and the
 * keys' addresses (signer addresses to fund on the networks listed, attestation addresses to
 * enroll). Addresses come from the key store; offline, only aliases are listed.
 */

/** alias → address; undefined: offline (no addresses read). */
export type AddressBook = Map<string, string> | undefined;

function accessOf(o: OperatorsInventory['operators'][number]): string {
  const p = o.principal;
  return p.kind === 'role'
    ? `assumes ${p.roleArn} from ${p.trustedPrincipal} (external id)`
    : `user ${p.userName} (group ${p.groupName})`;
}

export function operatorsTable(inventory: OperatorsInventory, addresses: AddressBook): Table {
  const rows: string[][] = [];
  const add = (who: string, agents: OperatorsInventory['coreTeam']['agents']) => {
    for (const agent of agents) {
      for (const alias of agent.keys) {
        const attestation = alias.endsWith('-attestation');
        rows.push([
          who,
          `${agent.role} of ${agent.home}${agent.hotStandby ? ' (hot standby)' : ''}`,
          alias,
          addresses === undefined ? '' : addresses.get(alias) || '(no key yet)',
          attestation ? 'enroll (signs off-chain)' : `fund on ${agent.sendsOn.join(', ') || '—'}`,
        ]);
      }
    }
  };
  for (const o of inventory.operators) add(o.name, o.agents);
  add('core team', inventory.coreTeam.agents);
  const columns = ['Operator', 'Agent', 'Key', 'Address', 'Use'];
  return addresses === undefined
    ? {
        columns: columns.filter((c) => c !== 'Address'),
        rows: rows.map((r) => r.filter((_c, i) => i !== 3)),
      }
    : { columns, rows };
}

export function renderOperatorsConsole(
  environment: string,
  inventory: OperatorsInventory,
  addresses: AddressBook,
): string {
  const lines = [
    `Operators — ${environment}${addresses === undefined ? ' (offline: aliases only)' : ''}`,
    '',
  ];
  if (inventory.operators.length === 0) {
    lines.push('No operators: the core team runs every agent with the signer group.');
  }
  for (const o of inventory.operators) {
    lines.push(`${o.name}: ${accessOf(o)}${o.uploadsProofs ? '; uploads proofs' : ''}`);
  }
  lines.push('', renderConsoleTable(operatorsTable(inventory, addresses)));
  return lines.join('\n');
}

export function operatorsJson(
  environment: string,
  inventory: OperatorsInventory,
  addresses: AddressBook,
) {
  const agents = (list: OperatorsInventory['coreTeam']['agents']) =>
    list.map((a) => ({
      role: a.role,
      home: a.home,
      hotStandby: a.hotStandby,
      sendsOn: a.sendsOn,
      keys: a.keys.map((alias) => ({
        alias,
        purpose: alias.endsWith('-attestation') ? 'attestation' : 'signer',
        ...(addresses === undefined ? {} : { address: addresses.get(alias) || null }),
      })),
    }));
  return {
    environment,
    offline: addresses === undefined,
    operators: inventory.operators.map((o) => ({
      name: o.name,
      access:
        o.principal.kind === 'role'
          ? {
              kind: 'role',
              roleArn: o.principal.roleArn,
              trustedPrincipal: o.principal.trustedPrincipal,
              externalId: o.principal.externalId,
            }
          : { kind: 'user', userName: o.principal.userName, groupName: o.principal.groupName },
      uploadsProofs: o.uploadsProofs,
      policy: o.policyName,
      agents: agents(o.agents),
    })),
    coreTeam: {
      uploadsProofs: inventory.coreTeam.uploadsProofs,
      agents: agents(inventory.coreTeam.agents),
    },
  };
}
