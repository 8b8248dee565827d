import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { agentConfigFor } from '../../src/agents/config.js';
import { renderAgentConfig } from '../../src/agents/render.js';
import { type AgentConfig } from '../../src/agents/types.js';
import { type HelmValues } from '../../src/agents/helm.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { AGENT_ROLES, type AgentRole } from '../../src/config/names.js';
import { bucketFor } from '../../src/inventory/bucket.js';
import { keysFor } from '../../src/inventory/keys.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { cli, repoRoot } from '../cli/helpers.js';

const staging = loadEnvironment('staging', repoRoot);
const production = loadEnvironment('production', repoRoot);
const development = loadEnvironment('development', repoRoot);

function configOf(env: ResolvedEnvironment, agent: string, home?: string): AgentConfig {
  return agentConfigFor(env, keysFor(env), bucketFor(env), {
    agent,
    ...(home !== undefined ? { home } : {}),
  });
}

function onlyHome(config: AgentConfig) {
  expect(config.homes).toHaveLength(1);
  return config.homes[0]!;
}

const replicasOf = (env: ResolvedEnvironment, home: string) =>
  env.networks.find((n) => n.name === home)!.replicas;

/** The old-generation signer triple and the new-generation id, as Nomad's agents read them. */
function kmsSignerVars(net: string, alias: string, region: string): Record<string, string> {
  return {
    [`OPT_BASE_SIGNERS_${net}_TYPE`]: 'aws',
    [`OPT_BASE_SIGNERS_${net}_ID`]: alias,
    [`OPT_BASE_SIGNERS_${net}_REGION`]: region,
    [`${net}_TXSIGNER_ID`]: alias,
  };
}

describe('agent configuration: environment variables', () => {
  it('a staging kovan processor gets exactly its replica signers, S3 settings and region', () => {
    const home = onlyHome(configOf(staging, 'processor', 'kovan'));
    const region = staging.aws.region;
    const replicas = replicasOf(staging, 'kovan');
    expect(replicas.length).toBeGreaterThan(0);
    const expected: Record<string, string> = {
      AWS_REGION: region,
      RUN_ENV: 'staging',
      AGENT_HOME_NAME: 'kovan',
      OPT_PROCESSOR_S3_BUCKET: 'nomadxyz-staging-proofs',
      OPT_PROCESSOR_S3_REGION: region,
      PROCESSOR_S3_BUCKET: 'nomadxyz-staging-proofs',
      PROCESSOR_S3_REGION: region,
    };
    replicas.forEach((replica, i) => {
      expected[`AGENT_REPLICA_${i}_NAME`] = replica;
      Object.assign(
        expected,
        kmsSignerVars(replica.toUpperCase(), 'alias/staging-kovan-processor-signer', region),
      );
    });
    expect(home.env).toEqual(expected);
    // The processor submits proofs on replicas only: nothing to sign on its home.
    expect(home.env).not.toHaveProperty('KOVAN_TXSIGNER_ID');
    expect(home.fromSecrets).toEqual([]);
  });

  it('a watcher has attestation and signer settings, on its home and every replica', () => {
    const home = onlyHome(configOf(staging, 'watcher', 'moonbasealpha'));
    const region = staging.aws.region;
    const attestation = 'alias/staging-moonbasealpha-watcher-attestation';
    expect(home.env).toMatchObject({
      OPT_BASE_WATCHER_TYPE: 'aws',
      OPT_BASE_WATCHER_ID: attestation,
      OPT_BASE_WATCHER_REGION: region,
      ATTESTATION_SIGNER_ID: attestation,
    });
    for (const net of ['moonbasealpha', ...replicasOf(staging, 'moonbasealpha')]) {
      expect(home.env).toMatchObject(
        kmsSignerVars(net.toUpperCase(), 'alias/staging-moonbasealpha-watcher-signer', region),
      );
    }
    expect(Object.keys(home.env).some((k) => k.startsWith('OPT_BASE_UPDATER'))).toBe(false);
  });

  it('an updater signs on its home only and attests with the updater attestation key', () => {
    const home = onlyHome(configOf(staging, 'updater', 'goerli'));
    expect(home.transactionSigners.map((s) => s.network)).toEqual(['goerli']);
    expect(home.env.OPT_BASE_UPDATER_ID).toBe('alias/staging-goerli-updater-attestation');
    expect(home.env.ATTESTATION_SIGNER_ID).toBe('alias/staging-goerli-updater-attestation');
    expect(home.env.GOERLI_TXSIGNER_ID).toBe('alias/staging-goerli-updater-signer');
  });

  it.each(['relayer', 'kathy', 'processor'] as const)(
    'a %s has no attestation settings',
    (agent) => {
      for (const home of configOf(staging, agent).homes) {
        expect(home.attestationSigner).toBeUndefined();
        const attestationVars = Object.keys(home.env).filter(
          (k) =>
            k.startsWith('ATTESTATION_') ||
            k.startsWith('OPT_BASE_UPDATER') ||
            k.startsWith('OPT_BASE_WATCHER'),
        );
        expect(attestationVars).toEqual([]);
        expect(home.transactionSigners.length).toBeGreaterThan(0);
      }
    },
  );

  it('signs on the networks the Keymaster funds: kathy on its home, relayer on replicas', () => {
    for (const network of staging.networks) {
      const kathy = onlyHome(configOf(staging, 'kathy', network.name));
      expect(kathy.transactionSigners.map((s) => s.network)).toEqual([network.name]);
      const relayer = onlyHome(configOf(staging, 'relayer', network.name));
      expect(relayer.transactionSigners.map((s) => s.network)).toEqual(network.replicas);
    }
  });

  it('{NET} is the network name upper-cased: milkomedaC1 becomes MILKOMEDAC1', () => {
    const home = onlyHome(configOf(production, 'watcher', 'milkomedaC1'));
    expect(home.env.OPT_BASE_SIGNERS_MILKOMEDAC1_ID).toBe(
      'alias/production-milkomedaC1-watcher-signer',
    );
    expect(home.env.MILKOMEDAC1_TXSIGNER_ID).toBe('alias/production-milkomedaC1-watcher-signer');
    // The alias keeps the network's own spelling; only variable names are upper-cased.
    for (const env of [staging, production, development]) {
      for (const agent of AGENT_ROLES.filter((a) => env.name !== 'production' || a !== 'kathy')) {
        for (const h of configOf(env, agent).homes) {
          for (const name of [...Object.keys(h.env), ...h.fromSecrets.map((s) => s.variable)]) {
            expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
          }
        }
      }
    }
  });

  it('development names the secrets to read, never an alias and never a key value', () => {
    const home = onlyHome(configOf(development, 'updater', 'kovan'));
    const secretOf = (keyName: string) =>
      keysFor(development).find((k) => k.network === 'kovan' && k.keyName === keyName)!.secretName!;
    expect(home.env.OPT_BASE_SIGNERS_KOVAN_TYPE).toBe('hexKey');
    expect(home.env.OPT_BASE_UPDATER_TYPE).toBe('hexKey');
    expect(home.fromSecrets).toEqual(
      expect.arrayContaining([
        {
          variable: 'KOVAN_TXSIGNER_KEY',
          secretName: secretOf('updater-signer'),
          region: 'us-west-2',
        },
        {
          variable: 'OPT_BASE_SIGNERS_KOVAN_KEY',
          secretName: secretOf('updater-signer'),
          region: 'us-west-2',
        },
        {
          variable: 'ATTESTATION_SIGNER_KEY',
          secretName: secretOf('updater-attestation'),
          region: 'us-west-2',
        },
        {
          variable: 'OPT_BASE_UPDATER_KEY',
          secretName: secretOf('updater-attestation'),
          region: 'us-west-2',
        },
      ]),
    );
    for (const format of ['env', 'helm', 'json'] as const) {
      const text = renderAgentConfig(configOf(development, 'updater'), format);
      expect(text).not.toContain('alias/');
      expect(text).not.toMatch(/_ID=|keyId/);
      expect(text).not.toMatch(/[0-9a-fA-F]{64}/);
    }
  });
});

describe('agent configuration: formats', () => {
  it('env: one block per home, sorted KEY=value lines, comment header', () => {
    const text = renderAgentConfig(configOf(staging, 'watcher'), 'env');
    expect(text.split('\n')[0]).toMatch(/^# /);
    const blocks = text.split(/^# ---- home /m).slice(1);
    expect(blocks.map((b) => b.split(' ')[0])).toEqual(staging.networks.map((n) => n.name));
    for (const block of blocks) {
      const lines = block
        .split('\n')
        .slice(1)
        .filter((l) => l && !l.startsWith('#'));
      for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9_]*=\S+$/);
      const names = lines.map((l) => l.split('=')[0]!);
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('helm: one home parses as one YAML document carrying bucket, region and signers', () => {
    const text = renderAgentConfig(configOf(staging, 'processor', 'kovan'), 'helm');
    const values = parse(text) as HelmValues & {
      nomad: {
        processor: {
          enabled: boolean;
          transactionSigners: Array<{ name: string; aws: { keyId: string; region: string } }>;
          s3Proofs: { bucket: string; region: string };
        };
      };
    };
    expect(values.nomad.processor.s3Proofs).toEqual({
      bucket: bucketFor(staging).name,
      region: staging.aws.region,
    });
    expect(values.nomad.homeChain.name).toBe('kovan');
    expect(values.nomad.processor.enabled).toBe(true);
    expect(values.nomad.processor.transactionSigners).toEqual(
      replicasOf(staging, 'kovan').map((name) => ({
        name,
        aws: { keyId: 'alias/staging-kovan-processor-signer', region: staging.aws.region },
      })),
    );
  });

  it('helm: every home is its own YAML document; attestation signer for the updater only', () => {
    const docs = parseAllDocuments(renderAgentConfig(configOf(production, 'updater'), 'helm'));
    const values = docs.map(
      (d) => d.toJS() as { nomad: { homeChain: { name: string }; updater: object } },
    );
    expect(values.map((v) => v.nomad.homeChain.name)).toEqual(
      production.networks.map((n) => n.name),
    );
    for (const v of values) {
      expect(v.nomad.updater).toHaveProperty('attestationSigner.aws.keyId');
      expect(v.nomad).not.toHaveProperty('processor');
    }
    const relayer = parse(renderAgentConfig(configOf(production, 'relayer', 'ethereum'), 'helm'));
    expect(relayer).not.toHaveProperty('nomad.relayer.attestationSigner');
  });

  it('json: the same settings as env, plus helm values per home', () => {
    const config = configOf(staging, 'processor');
    const json = JSON.parse(renderAgentConfig(config, 'json')) as {
      agent: AgentRole;
      homes: Array<{ home: string; env: Record<string, string>; helm: HelmValues }>;
    };
    expect(json.agent).toBe('processor');
    expect(json.homes.map((h) => h.env)).toEqual(config.homes.map((h) => h.env));
    expect(json.homes.map((h) => h.helm.nomad.homeChain.name)).toEqual(
      config.homes.map((h) => h.home),
    );
  });
});

describe('agent-config command', () => {
  it('renders offline, with no AWS variables at all', async () => {
    const run = await cli([
      'agent-config',
      '--env',
      'staging',
      '--agent',
      'relayer',
      '--home',
      'kovan',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('OPT_BASE_SIGNERS_GOERLI_ID=alias/staging-kovan-relayer-signer');
  });

  it.each([
    [
      ['--agent', 'deployer'],
      ['updater', 'watcher', 'relayer', 'processor', 'kathy'],
    ],
    [
      ['--agent', 'relayer', '--home', 'mars'],
      ['kovan', 'moonbasealpha', 'goerli', 'sepolia'],
    ],
    [
      ['--agent', 'relayer', '--format', 'toml'],
      ['env', 'helm', 'json'],
    ],
  ])('bad input %j exits 2 naming the allowed values', async (args, allowed) => {
    const run = await cli(['agent-config', '--env', 'staging', ...args]);
    expect(run.code).toBe(2);
    for (const value of allowed) expect(run.stderr).toContain(value);
    expect(run.stdout).toBe('');
  });

  it('an agent without a key in the environment is bad input (kathy in production)', async () => {
    const run = await cli(['agent-config', '--env', 'production', '--agent', 'kathy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('kathy-signer');
  });
});
