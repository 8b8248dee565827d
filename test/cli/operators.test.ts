import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { motoEnv } from '../actions/workspace.js';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { cli, repoRoot } from './helpers.js';

const staging = (() => {
  const loaded = loadEnvironmentFile(join(repoRoot, 'environments/staging.yaml'));
  if (!loaded.ok) throw new Error('staging.yaml does not load');
  return loaded.env;
})();

/** The matrix row of an operator, from the file: each agent's signer, and attestation key. */
const matrixKeys = (name: string) =>
  new Set(
    staging
      .operators!.find((o) => o.name === name)!
      .runs.flatMap((run) =>
        run.homes.flatMap((home) => [
          `alias/staging-${home}-${run.role}-signer`,
          ...(run.role === 'updater' || run.role === 'watcher'
            ? [`alias/staging-${home}-${run.role}-attestation`]
            : []),
        ]),
      ),
  );
const aliasesIn = (text: string) => new Set(text.match(/alias\/[A-Za-z0-9/_-]+/g) ?? []);

describe('agent-config --operator', () => {
  it.each(['acme', 'blockwatch'])('names exactly the keys of %s, in every format', async (name) => {
    for (const format of ['env', 'helm', 'json']) {
      const run = await cli([
        'agent-config',
        '--env',
        'staging',
        '--operator',
        name,
        '--format',
        format,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect([format, aliasesIn(run.stdout)]).toEqual([format, matrixKeys(name)]);
    }
  });

  it('gives a role operator the AWS profile that assumes its role with its external id', async () => {
    const run = await cli(['agent-config', '--env', 'staging', '--operator', 'acme']);
    expect(run.stdout).toContain('# [profile nomad-staging-acme]');
    expect(run.stdout).toContain(
      '# role_arn = arn:aws:iam::210987654321:role/nomad-ops-staging-operator-acme',
    );
    expect(run.stdout).toContain('# external_id = nomad-staging-acme-7c1f');
    expect(run.stdout).toContain('AWS_PROFILE=nomad-staging-acme');
    // acme runs processors: the S3 settings of both generations.
    expect(run.stdout).toContain('OPT_PROCESSOR_S3_BUCKET=nomadxyz-staging-proofs');
    expect(run.stdout).toContain('PROCESSOR_S3_BUCKET=nomadxyz-staging-proofs');
    const json = await cli([
      'agent-config',
      '--env',
      'staging',
      '--operator',
      'acme',
      '--format',
      'json',
    ]);
    const parsed = JSON.parse(json.stdout) as {
      access: { kind: string; roleArn: string; externalId: string };
      agents: Array<{ agent: string; homes: Array<{ home: string }> }>;
    };
    expect(parsed.access).toMatchObject({
      kind: 'role',
      roleArn: 'arn:aws:iam::210987654321:role/nomad-ops-staging-operator-acme',
      externalId: 'nomad-staging-acme-7c1f',
    });
    expect(parsed.agents.map((a) => [a.agent, a.homes.map((h) => h.home)])).toEqual([
      ['relayer', ['hoodi', 'moonbasealpha', 'chiado', 'sepolia']],
      ['processor', ['hoodi', 'moonbasealpha']],
    ]);
  });

  it('gives helm values per agent instance, marking the hot standby', async () => {
    const run = await cli([
      'agent-config',
      '--env',
      'staging',
      '--operator',
      'blockwatch',
      '--format',
      'helm',
    ]);
    const documents = run.stdout.split(/^---$/m);
    // 4 watchers, 2 processors, 1 relayer standby.
    expect(documents).toHaveLength(7);
    const values = documents.map(
      (d) => parseDocument(d).toJS() as { nomad: Record<string, unknown> },
    );
    expect(values.map((v) => Object.keys(v.nomad).at(-1))).toEqual([
      'watcher',
      'watcher',
      'watcher',
      'watcher',
      'processor',
      'processor',
      'relayer',
    ]);
    expect(documents[6]).toContain('home hoodi (hot standby)');
    expect(run.stdout).toContain('IAM user nomad-operator-staging-blockwatch');
  });

  it('refuses an unknown operator, both --agent and --operator, and production without operators', async () => {
    const unknown = await cli(['agent-config', '--env', 'staging', '--operator', 'acne']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '"acne" is not an operator of staging: use one of acme, blockwatch',
    );
    const both = await cli([
      'agent-config',
      '--env',
      'staging',
      '--operator',
      'acme',
      '--agent',
      'relayer',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --agent <role> or --operator <name>');
    const none = await cli(['agent-config', '--env', 'production', '--operator', 'acme']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('production lists no operators');
  });
});

describe('operators', () => {
  it('--offline lists operators, agents and aliases without touching AWS', async () => {
    const run = await cli(['operators', '--env', 'staging', '--offline', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      offline: boolean;
      operators: Array<{
        name: string;
        agents: Array<{ keys: Array<{ alias: string; address?: string }> }>;
      }>;
    };
    expect(parsed.offline).toBe(true);
    for (const o of parsed.operators) {
      const keys = o.agents.flatMap((a) => a.keys);
      expect(new Set(keys.map((k) => k.alias))).toEqual(matrixKeys(o.name));
      expect(keys.every((k) => k.address === undefined)).toBe(true);
    }
    const table = await cli(['operators', '--env', 'staging', '--offline']);
    expect(table.stdout).toContain('relayer of hoodi (hot standby)');
    expect(table.stdout).not.toContain('Address');
  });

  it('with AWS, gives each key the address of the key table', async () => {
    const accountId = nextAccountId();
    const dir = mkdtempSync(join(tmpdir(), 'operators-cli-'));
    mkdirSync(join(dir, 'environments'));
    writeFileSync(
      join(dir, 'environments/staging.yaml'),
      readFileSync(join(repoRoot, 'environments/staging.yaml'), 'utf8').replace(
        "accountId: '210987654321'",
        `accountId: '${accountId}'`,
      ),
    );
    const env = await motoEnv(requireMotoUrl(), accountId);
    const keys = await cli(['keys', 'apply', '--env', 'staging', '--json'], { env, cwd: dir });
    expect(keys.code, keys.stderr).toBe(0);
    const table = new Map(
      (JSON.parse(keys.stdout) as { keys: Array<{ alias: string; address: string }> }).keys.map(
        (k) => [k.alias, k.address],
      ),
    );
    const run = await cli(['operators', '--env', 'staging', '--json'], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      operators: Array<{ agents: Array<{ keys: Array<{ alias: string; address: string }> }> }>;
      coreTeam: { agents: Array<{ keys: Array<{ alias: string; address: string }> }> };
    };
    const listed = [
      ...parsed.operators.flatMap((o) => o.agents),
      ...parsed.coreTeam.agents,
    ].flatMap((a) => a.keys);
    expect(listed.length).toBeGreaterThan(20);
    for (const k of listed) {
      expect(k.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect([k.alias, k.address]).toEqual([k.alias, table.get(k.alias)]);
    }
  }, 120_000);
});
