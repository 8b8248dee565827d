import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient, paginateListAliases } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';
import { cli, repoRoot } from '../cli/helpers.js';
import { keysPlanJsonSchema } from '../../src/report/plan-json.js';

/**
 * The rendered configuration against keys that really exist: staging applied on moto in an
 * account of this file's own (a copy of staging.yaml with the account id changed).
 */
const ACCOUNT_ID = nextAccountId();
const AGENTS = ['updater', 'watcher', 'relayer', 'processor', 'kathy'] as const;

let motoUrl: string;
let workDir: string;
let vars: NodeJS.ProcessEnv;
let region: string;

beforeAll(async () => {
  motoUrl = requireMotoUrl();
  workDir = mkdtempSync(join(tmpdir(), 'nomad-agents-'));
  mkdirSync(join(workDir, 'environments'));
  const source = readFileSync(join(repoRoot, 'environments/staging.yaml'), 'utf8');
  const copy = source.replace(/accountId: '\d{12}'/, `accountId: '${ACCOUNT_ID}'`);
  expect(copy).toContain(ACCOUNT_ID);
  writeFileSync(join(workDir, 'environments/staging.yaml'), copy);
  region = /region: (\S+)/.exec(copy)![1]!;
  const c = await motoCredentials(motoUrl, ACCOUNT_ID);
  vars = {
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
  };
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const run = (args: string[]) => cli(args, { cwd: workDir, env: vars });

async function aliasesIn(regionName: string): Promise<Set<string>> {
  const kms = new KMSClient({
    endpoint: motoUrl,
    region: regionName,
    credentials: {
      accessKeyId: vars.AWS_ACCESS_KEY_ID!,
      secretAccessKey: vars.AWS_SECRET_ACCESS_KEY!,
      sessionToken: vars.AWS_SESSION_TOKEN!,
    },
  });
  const names = new Set<string>();
  try {
    for await (const page of paginateListAliases({ client: kms }, {})) {
      for (const a of page.Aliases ?? []) if (a.AliasName) names.add(a.AliasName);
    }
  } finally {
    kms.destroy();
  }
  return names;
}

describe('agent configuration against keys applied on moto', () => {
  it('before keys apply, attestations fails with exit 1 and says to run keys apply', async () => {
    const attest = await run(['attestations', '--env', 'staging', '--json']);
    expect(attest.code).toBe(1);
    // With --json the error is the one document on stdout.
    const error = (JSON.parse(attest.stdout) as { error: { kind: string; message: string } }).error;
    expect(error.kind).toBe('operation');
    expect(error.message).toContain('nomad-ops keys apply --env staging');
    expect(error.message).toContain('alias/staging-kovan-updater-attestation');
  });

  it('every alias the env vars name exists in KMS, in the region they name', async () => {
    const apply = await run(['keys', 'apply', '--env', 'staging', '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    const applied = JSON.parse(apply.stdout) as { keys: Array<{ alias: string; purpose: string }> };

    const named = new Map<string, Set<string>>(); // region → aliases
    for (const agent of AGENTS) {
      const rendered = await run(['agent-config', '--env', 'staging', '--agent', agent]);
      expect(rendered.code, rendered.stderr).toBe(0);
      // One block per home: each is its own set of variables.
      for (const block of rendered.stdout.split(/^# ---- home /m).slice(1)) {
        const env = new Map(
          block
            .split('\n')
            .filter((l) => l && !l.startsWith('#') && l.includes('='))
            .map((l) => l.split('=') as [string, string]),
        );
        for (const [name, value] of env) {
          if (!value.startsWith('alias/')) continue;
          // The old generation names the region next to the alias; the new one uses AWS_REGION.
          const regionVar = name.startsWith('OPT_BASE_') ? name.replace(/_ID$/, '_REGION') : null;
          const keyRegion = (regionVar && env.get(regionVar)) || env.get('AWS_REGION')!;
          if (!named.has(keyRegion)) named.set(keyRegion, new Set());
          named.get(keyRegion)!.add(value);
        }
      }
    }
    expect([...named.keys()]).toEqual([region]);
    const aliases = named.get(region)!;
    // Every agent key (signer and attestation, every home) is named by some agent's settings.
    const agentKeys = applied.keys.filter((k) => k.purpose !== 'bank').map((k) => k.alias);
    expect([...aliases].sort()).toEqual([...agentKeys].sort());
    const existing = await aliasesIn(region);
    const missing = [...aliases].filter((a) => !existing.has(a));
    expect(missing).toEqual([]);
  }, 120_000);

  it('attestations --json gives the addresses of the key table attestation rows', async () => {
    const plan = await run(['keys', 'plan', '--env', 'staging', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const keys = keysPlanJsonSchema.parse(JSON.parse(plan.stdout));
    const attest = await run(['attestations', '--env', 'staging', '--json']);
    expect(attest.code, attest.stderr).toBe(0);
    const config = JSON.parse(attest.stdout) as {
      environment: string;
      networks: Record<string, { updater: string; watchers: string[] }>;
    };
    expect(config.environment).toBe('staging');
    const addressOf = (network: string, keyName: string) =>
      keys.keys.find((k) => k.network === network && k.keyName === keyName)!.address;
    const networks = [...new Set(keys.keys.flatMap((k) => (k.network ? [k.network] : [])))];
    expect(Object.keys(config.networks)).toEqual(networks);
    for (const network of networks) {
      expect(config.networks[network]).toEqual({
        updater: addressOf(network, 'updater-attestation'),
        watchers: [addressOf(network, 'watcher-attestation')],
      });
      expect(config.networks[network]!.updater).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    const table = await run(['attestations', '--env', 'staging']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(config.networks.kovan!.updater);
  }, 60_000);
});
