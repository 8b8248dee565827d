import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  loadEnvironmentFile,
  loadEnvironmentText,
  resolveEnvironmentArg,
} from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';
import { defaultKeyNames } from '../../src/config/names.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

const VALID = `environment: staging
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
keymaster:
  networks:
    kovan: &testnet
      roles:
        updater: { lower: "0.5", target: "1" }
        watcher: { lower: "0.2", target: "0.5" }
        relayer: { lower: "0.5", target: "1" }
        processor: { lower: "0.5", target: "1" }
        kathy: { lower: "0.1", target: "0.25" }
      bank: { reserve: "1", alertBelow: "5" }
      capPerRun: "20"
    goerli: *testnet
`;

function problemsOf(text: string, path = 'env.yaml') {
  const result = loadEnvironmentText(text, path);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('shipped environments', () => {
  it.each(['development', 'staging', 'production'])('%s.yaml loads clean', (name) => {
    const result = loadEnvironmentFile(join(repo, 'environments', `${name}.yaml`));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.env.name).toBe(name);
    expect(result.env.keymaster.networks).toHaveProperty(result.env.networks[0]!.name);
  });

  it('production has 6 networks and the 6 default key names, no kathy', () => {
    const result = loadEnvironmentFile(join(repo, 'environments', 'production.yaml'));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.env.networks.map((n) => n.name)).toEqual([
      'ethereum',
      'moonbeam',
      'evmos',
      'avalanche',
      'xdai',
      'milkomedaC1',
    ]);
    expect(result.env.keyNames).toHaveLength(6);
    expect(result.env.keyNames).not.toContain('kathy-signer');
    expect(result.env.keyStore).toBe('kms');
  });

  it('the anchored testnet thresholds are shared by every staging network', () => {
    const result = loadEnvironmentFile(join(repo, 'environments', 'staging.yaml'));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const { networks } = result.env.keymaster;
    expect(Object.keys(networks).sort()).toEqual(['goerli', 'kovan', 'moonbasealpha', 'sepolia']);
    expect(networks.sepolia).toEqual(networks.kovan);
    expect(networks.sepolia?.roles.kathy).toEqual({ lower: 10n ** 17n, target: 25n * 10n ** 16n });
  });
});

describe('loadEnvironmentText', () => {
  it('accepts the minimal valid file', () => {
    expect(loadEnvironmentText(VALID, 'env.yaml').ok).toBe(true);
  });

  it('reports three independent mistakes together, each at its own line', () => {
    const text = VALID.replace('region: us-west-2', 'region: eu-wst-1')
      .replace('chainId: 5', 'chainId: 42')
      .replace(
        'networks:\n  - name',
        'github:\n  repositry: nomad-xyz/nomad-agent-ops\nnetworks:\n  - name',
      );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['aws.region', lineOf(text, 'eu-wst-1')],
      ['github.repositry', lineOf(text, 'repositry')],
      ['networks[1].chainId', text.split('\n').lastIndexOf('    chainId: 42') + 1],
    ]);
    expect(problems[0]!.message).toContain('did you mean "eu-west-1"');
    expect(problems[1]!.message).toContain('did you mean "repository"');
    expect(problems[2]!.message).toContain('networks[0] (kovan)');
  });

  it('reports an anchored mistake once, at the anchor, naming the other aliases', () => {
    const text = VALID.replace('capPerRun: "20"', 'capPerRun: "20"\n      capPerRn: "3"');
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['keymaster.networks.goerli.capPerRn', lineOf(text, 'capPerRn')],
    ]);
    expect(problems[0]!.message).toMatch(
      /\(the same text is used at keymaster\.networks\.kovan\.capPerRn\)$/,
    );
  });

  it('an anchor shared by four networks gives one line for one mistake', () => {
    const four = VALID.replace(
      '    goerli: *testnet\n',
      '    goerli: *testnet\n    rinkeby: *testnet\n    ropsten: *testnet\n',
    )
      .replace(
        'rpcUrlEnv: GOERLI_RPC_URL\n',
        'rpcUrlEnv: GOERLI_RPC_URL\n  - name: rinkeby\n    chainId: 4\n    nativeToken: { symbol: ETH, decimals: 18 }\n    rpcUrlEnv: RINKEBY_RPC_URL\n  - name: ropsten\n    chainId: 3\n    nativeToken: { symbol: ETH, decimals: 18 }\n    rpcUrlEnv: ROPSTEN_RPC_URL\n',
      )
      .replace('capPerRun: "20"', 'capPerRun: "20.5.1"');
    const problems = problemsOf(four);
    expect(problems.map(formatProblem)).toHaveLength(1);
    expect(problems[0]!.line).toBe(lineOf(four, '20.5.1'));
    for (const network of ['kovan', 'rinkeby', 'ropsten']) {
      expect(problems[0]!.message).toContain(`keymaster.networks.${network}.capPerRun`);
    }
  });

  it('formats problems as file:line:col: field: message, in file order', () => {
    const goerliToken = 'symbol: ETH, decimals: 18 }\n    rpcUrlEnv: GOERLI';
    const text = VALID.replace('accountId: "210987654321"', 'accountId: "1"').replace(
      goerliToken,
      goerliToken.replace('18', '-1'),
    );
    const badLine = text.split('\n').findIndex((l) => l.includes('decimals: -1'));
    const col = text.split('\n')[badLine]!.indexOf('-1') + 1;
    const formatted = problemsOf(text, 'environments/x.yaml').map(formatProblem);
    expect(formatted).toEqual([
      'environments/x.yaml:3:14: aws.accountId: must be the 12-digit AWS account id, quoted',
      `environments/x.yaml:${badLine + 1}:${col}: networks[1].nativeToken.decimals: must be ≥ 0`,
    ]);
  });

  it('checks the environment against the file name only for <env>.yaml', () => {
    expect(loadEnvironmentText(VALID, '/x/staging.yaml').ok).toBe(true);
    expect(loadEnvironmentText(VALID, '/x/my-test-env.yaml').ok).toBe(true);
    const problems = problemsOf(VALID, '/x/development.yaml');
    expect(problems.map((p) => p.path)).toEqual(['environment']);
    expect(problems[0]!.message).toContain('development.yaml');
  });

  it('supports merge keys and points into the merged block', () => {
    const text = VALID.replace(
      '    goerli: *testnet\n',
      '    goerli:\n      <<: *testnet\n      capPerRun: "7"\n',
    ).replace('capPerRun: "20"', 'capPerRun: "20.5.1"');
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['keymaster.networks.kovan.capPerRun', lineOf(text, '20.5.1')],
    ]);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10)
          .fill(`*${'abcdefgh'[i - 1]}`)
          .join(', ')}]`,
      );
    const problems = problemsOf(bomb.join('\n') + '\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/cannot read the YAML/);
  });

  it('treats __proto__ as an unknown key, not as a prototype', () => {
    const problems = problemsOf(VALID + '__proto__: { polluted: true }\n');
    expect(problems.map((p) => p.path)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['   \n\n', 'is empty'],
    ['# only a comment\n', 'is empty'],
    ['[1, 2]', 'is a list'],
    ['42', 'is a single value'],
    ['bin\0ary', 'not a text file'],
  ])('never throws for %j', (text, message) => {
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'env.yaml', line: 1, col: 1, path: '' });
    expect(problems[0]!.message).toContain(message);
  });

  it('never throws on random junk', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'ab:-[]{}&*!|>\'"#\n\t ,?%@`0.';
    for (let i = 0; i < 300; i++) {
      const text = Array.from(
        { length: 40 },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      const result = loadEnvironmentText(text, 'junk.yaml');
      expect(result.ok).toBe(false);
      if (!result.ok) for (const p of result.problems) expect(p.line).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('loadEnvironmentFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nomad-config-'));

  it('reports binary and non-UTF-8 files without parsing them', () => {
    const binary = join(dir, 'binary.yaml');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.from('environment: caf\xe9\n', 'latin1'));
    for (const file of [binary, latin1]) {
      const result = loadEnvironmentFile(file);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]!.message).toContain('not a text file');
    }
  });

  it('names a missing file and lists the environments that exist', () => {
    mkdirSync(join(dir, 'environments'));
    for (const name of ['staging', 'production']) {
      writeFileSync(join(dir, 'environments', `${name}.yaml`), '');
    }
    const path = resolveEnvironmentArg('stagign', dir);
    const result = loadEnvironmentFile(path);
    if (result.ok) throw new Error('expected a problem');
    expect(result.problems).toHaveLength(1);
    expect(formatProblem(result.problems[0]!)).toBe(
      `${path}:1:1: file not found; environments in ${join(dir, 'environments')}: production, staging (did you mean staging?)`,
    );
  });

  it('reports a directory instead of reading it', () => {
    const result = loadEnvironmentFile(dir);
    expect(result.ok ? '' : result.problems[0]!.message).toContain('is a directory');
  });

  it('resolves the source to an absolute path', () => {
    writeFileSync(join(dir, 'environments', 'staging.yaml'), VALID);
    const result = loadEnvironmentFile(resolveEnvironmentArg('staging', dir));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.env.source).toBe(join(dir, 'environments', 'staging.yaml'));
    expect(result.env.keyNames).toEqual(defaultKeyNames('staging'));
  });
});

describe('resolveEnvironmentArg', () => {
  it('reads a bare name as environments/<name>.yaml under cwd', () => {
    expect(resolveEnvironmentArg('staging', '/repo')).toBe('/repo/environments/staging.yaml');
  });

  it('reads anything else as a path', () => {
    expect(resolveEnvironmentArg('staging.yaml', '/repo')).toBe('/repo/staging.yaml');
    expect(resolveEnvironmentArg('envs/prod.yml', '/repo')).toBe('/repo/envs/prod.yml');
    expect(resolveEnvironmentArg('/abs/production.yaml', '/repo')).toBe('/abs/production.yaml');
  });
});
