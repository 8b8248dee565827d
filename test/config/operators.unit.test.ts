import { describe, expect, it } from 'vitest';
import { loadEnvironmentText } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';

const BASE = `environment: staging
aws:
  accountId: "210987654321"
  region: us-west-2
networks:
  - name: kovan
    chainId: 42
    nativeToken: { symbol: ETH, decimals: 18 }
    rpcUrlEnv: KOVAN_RPC_URL
  - name: goerli
    chainId: 5
    nativeToken: { symbol: ETH, decimals: 18 }
    rpcUrlEnv: GOERLI_RPC_URL
keys:
  names: [updater-signer, updater-attestation, relayer-signer]
keymaster:
  networks:
    kovan: &testnet
      roles:
        updater: { lower: "0.5", target: "1" }
        relayer: { lower: "0.5", target: "1" }
      bank: { reserve: "1", alertBelow: "5" }
      capPerRun: "20"
    goerli: *testnet
`;

const ACME = `  - name: acme
    runs:
      - role: relayer
    access:
      principal: arn:aws:iam::111122223333:role/acme
      externalId: acme-1
`;
const CORE_UPDATER = `coreTeam:
  runs:
    - role: updater
`;

function load(text: string) {
  return loadEnvironmentText(text, 'env.yaml');
}
function problems(text: string): string[] {
  const result = load(text);
  if (result.ok) throw new Error('expected problems');
  return result.problems.map(formatProblem);
}
const lineOf = (text: string, needle: string, from = 0) =>
  text.split('\n').findIndex((line, i) => i >= from && line.includes(needle)) + 1;

describe('operators in the environment file', () => {
  it('a file without operators or coreTeam stays valid and leaves every agent to the core team', () => {
    const result = load(BASE);
    expect(result.ok && result.env.operators).toBeUndefined();
    expect(result.ok && result.env.coreTeam).toBeUndefined();
  });

  it('resolves homes to every network by default, and the access kind', () => {
    const result = load(`${BASE}operators:\n${ACME}${CORE_UPDATER}`);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.env.operators).toEqual([
      {
        name: 'acme',
        runs: [{ role: 'relayer', homes: ['kovan', 'goerli'], hotStandby: false }],
        access: {
          kind: 'role',
          principal: 'arn:aws:iam::111122223333:role/acme',
          externalId: 'acme-1',
        },
      },
    ]);
    expect(result.env.coreTeam?.runs).toEqual([
      { role: 'updater', homes: ['kovan', 'goerli'], hotStandby: false },
    ]);
  });

  it('every agent needs an operator or the core team, once listed', () => {
    const text = `${BASE}operators:\n${ACME}`;
    expect(problems(text)).toEqual([
      `env.yaml:${lineOf(text, '- name: acme')}:3: operators: the updater of kovan, goerli is run by no operator and not left to the core team: give it to an operator, or add { role: updater, homes: [kovan, goerli] } to coreTeam.runs`,
    ]);
  });

  it('an agent run by two operators is an error unless one is a hot standby', () => {
    const second = `  - name: bolt
    runs:
      - role: relayer
        homes: [goerli]
    access:
      user: bolt-agents
`;
    const text = `${BASE}operators:\n${ACME}${second}${CORE_UPDATER}`;
    const line = lineOf(text, 'homes: [goerli]');
    expect(problems(text)).toEqual([
      `env.yaml:${line}:17: operators[1].runs[0].homes[0]: the relayer of goerli is already run by operator acme (operators[0].runs[0].role); two agents on one key race on its nonce: remove one, or mark this one hotStandby: true`,
    ]);
    const standby = second.replace('homes: [goerli]', 'homes: [goerli]\n        hotStandby: true');
    expect(load(`${BASE}operators:\n${ACME}${standby}${CORE_UPDATER}`).ok).toBe(true);
  });

  it('the core team and an operator cannot both run an agent as primary', () => {
    const text = `${BASE}operators:\n${ACME}${CORE_UPDATER}    - role: relayer\n      homes: [kovan]\n`;
    expect(problems(text)).toEqual([
      `env.yaml:${lineOf(text, 'homes: [kovan]')}:15: coreTeam.runs[1].homes[0]: the relayer of kovan is already run by operator acme (operators[0].runs[0].role); two agents on one key race on its nonce: remove one, or mark this one hotStandby: true`,
    ]);
  });

  it('a hot standby needs a primary', () => {
    const text = `${BASE}operators:\n${ACME.replace('- role: relayer', '- role: relayer\n        hotStandby: true')}${CORE_UPDATER}`;
    const messages = problems(text);
    expect(messages).toContainEqual(
      expect.stringContaining(
        'operators[0].runs[0].role: is a hot standby for the relayer of kovan, which nobody runs as primary',
      ),
    );
    expect(messages).toContainEqual(
      expect.stringContaining('the relayer of kovan, goerli is run by no operator'),
    );
  });

  it('names are unique, principals belong to one operator, and each carries its external id', () => {
    const text = `${BASE}operators:
${ACME}  - name: acme
    runs:
      - role: updater
    access:
      principal: arn:aws:iam::111122223333:role/acme
`;
    expect(problems(text)).toEqual([
      `env.yaml:${lineOf(text, '- name: acme', lineOf(text, '- name: acme'))}:11: operators[1].name: "acme" is already the name of operators[0]; operator names must be unique`,
      `env.yaml:${lineOf(text, 'principal:', lineOf(text, 'principal:'))}:18: operators[1].access.principal: needs externalId beside it: the role trusts the principal only with that sts:ExternalId (agree a unique value with the operator)`,
      `env.yaml:${lineOf(text, 'principal:', lineOf(text, 'principal:'))}:18: operators[1].access.principal: is already the principal of operators[0]; one principal is one operator (it could assume both roles): merge them`,
    ]);
  });

  it('rejects a principal in this account, a bad ARN, and both or neither way in', () => {
    const own = `${BASE}operators:\n${ACME.replace('111122223333', '210987654321')}${CORE_UPDATER}`;
    expect(problems(own)[0]).toContain(
      "operators[0].access.principal: is in this environment's own account 210987654321",
    );
    const user = `${BASE}operators:\n${ACME.replace('role/acme', 'user/acme')}${CORE_UPDATER}`;
    expect(problems(user)[0]).toContain(
      'must be the ARN of a role (arn:aws:iam::123456789012:role/name) or of an account',
    );
    const both = `${BASE}operators:\n${ACME}      user: acme\n${CORE_UPDATER}`;
    expect(problems(both)).toEqual([
      expect.stringContaining(
        'operators[0].access.user: give either principal (with externalId) or user, not both',
      ),
    ]);
    const neither = `${BASE}operators:\n  - name: acme\n    runs:\n      - role: relayer\n    access: {}\n${CORE_UPDATER}`;
    expect(problems(neither)).toEqual([
      expect.stringContaining('operators[0].access: says neither'),
    ]);
    const signer = `${BASE}operators:\n  - name: acme\n    runs:\n      - role: relayer\n    access: { user: nomad-signer-staging }\n${CORE_UPDATER}`;
    expect(problems(signer)).toEqual([
      expect.stringContaining('"nomad-signer-staging" is the iam.signerUser'),
    ]);
  });

  it('homes are networks of the file, roles have keys here, and operators need KMS keys', () => {
    const typo = `${BASE}operators:\n${ACME.replace('- role: relayer', '- role: relayer\n        homes: [kovn]')}${CORE_UPDATER}`;
    expect(problems(typo)).toContainEqual(
      `env.yaml:${lineOf(typo, 'homes: [kovn]')}:17: operators[0].runs[0].homes[0]: "kovn" is not a network of this environment (did you mean "kovan"?); known networks: kovan, goerli`,
    );
    const withKathy = `${BASE}operators:\n${ACME.replace('- role: relayer\n', '- role: relayer\n      - role: kathy\n')}${CORE_UPDATER}`;
    expect(problems(withKathy)).toEqual([
      expect.stringContaining(
        'operators[0].runs[1].role: kathy has no key in this environment (keys.names)',
      ),
    ]);
    const dev = `${BASE.replace('environment: staging', 'environment: development')}operators:\n${ACME}${CORE_UPDATER}`;
    expect(problems(dev)).toEqual([
      expect.stringContaining(
        'operators: development keys are hex keys in Secrets Manager that the core team runs',
      ),
    ]);
  });
});
