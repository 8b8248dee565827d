import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { iamFor } from '../../src/inventory/iam.js';
import { cli, repoRoot } from '../cli/helpers.js';

/**
 * IRSA: when the environment file names the EKS cluster (`keymaster.eks`), the Keymaster role
 * trusts exactly the Keymaster's ServiceAccount of that cluster, and the manifests put the
 * ServiceAccount where the trust expects it.
 */

const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const HOST = ISSUER.replace('https://', '');

function stagingWith(eks: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-eks-'));
  mkdirSync(path.join(dir, 'environments'));
  const text = readFileSync(path.join(repoRoot, 'environments/staging.yaml'), 'utf8').replace(
    'keymaster:\n',
    `keymaster:\n${eks}`,
  );
  writeFileSync(path.join(dir, 'environments/staging.yaml'), text);
  return dir;
}

const cluster = stagingWith(`  eks:\n    oidcIssuer: ${ISSUER}\n    namespace: keymaster\n`);
const env = loadEnvironment('staging', cluster);
const iam = iamFor(env);
const role = iam.github!.roles.find((r) => r.kind === 'keymaster')!;

const assume = (
  sub: string,
  provider = `arn:aws:iam::${env.aws.accountId}:oidc-provider/${HOST}`,
) =>
  runUnsafeSimulation(
    {
      request: {
        principal: provider,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: role.arn, accountId: env.aws.accountId },
        contextVariables: { [`${HOST}:sub`]: sub, [`${HOST}:aud`]: 'sts.amazonaws.com' },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: {
        __validated: true,
        policyDocument: role.trustPolicy,
        metadata: { name: role.name },
        errors: [],
      },
    },
    {},
  );

describe('the Keymaster role and an EKS cluster', () => {
  it('trusts the ServiceAccount nomad-keymaster of the named namespace, and nothing else of the cluster', () => {
    expect(assume('system:serviceaccount:keymaster:nomad-keymaster')).toBe('Allowed');
    for (const sub of [
      'system:serviceaccount:default:nomad-keymaster',
      'system:serviceaccount:keymaster:default',
      'system:serviceaccount:keymaster:nomad-keymaster-2',
    ]) {
      expect([sub, assume(sub)]).toEqual([sub, 'ImplicitlyDenied']);
    }
    // Another cluster's issuer is another principal.
    expect(
      assume(
        'system:serviceaccount:keymaster:nomad-keymaster',
        `arn:aws:iam::${env.aws.accountId}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/FFFF`,
      ),
    ).toBe('ImplicitlyDenied');
  });

  it('adds the statement to the Keymaster role only, and only when the file names a cluster', () => {
    for (const r of iam.github!.roles) {
      expect(r.trustPolicy.Statement.length, r.kind).toBe(r.kind === 'keymaster' ? 2 : 1);
    }
    const without = iamFor(loadEnvironment('staging', repoRoot));
    for (const r of without.github!.roles) expect(r.trustPolicy.Statement).toHaveLength(1);
  });

  it('is in the plan: the role iam plan diffs against and iam apply writes', async () => {
    const plan = await cli(['plan', '--env', 'staging', '--offline', '--json'], { cwd: cluster });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('system:serviceaccount:keymaster:nomad-keymaster');
    expect(plan.stdout).toContain(`oidc-provider/${HOST}`);
  });

  it('refuses an issuer that is not an EKS issuer URL, naming file, line and field', async () => {
    const bad = stagingWith(`  eks:\n    oidcIssuer: https://example.com/id/1\n`);
    const run = await cli(['validate', path.join(bad, 'environments/staging.yaml')], { cwd: bad });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toMatch(
      /staging\.yaml:\d+:\d+: keymaster\.eks\.oidcIssuer: must be the cluster's OIDC issuer URL/,
    );
  });

  it('renders the manifests in the trusted namespace, and refuses another', async () => {
    const image = `registry.test/keymaster:1@sha256:${'ab'.repeat(32)}`;
    const ok = await cli(
      ['keymaster', 'manifests', '--env', 'staging', '--image', image, '--json'],
      {
        cwd: cluster,
      },
    );
    expect(ok.code, ok.stderr).toBe(0);
    const list = JSON.parse(ok.stdout) as {
      items: Array<{ kind: string; metadata: { name: string; namespace: string } }>;
    };
    for (const item of list.items) expect(item.metadata.namespace).toBe('keymaster');
    expect(list.items.find((i) => i.kind === 'ServiceAccount')!.metadata.name).toBe(
      'nomad-keymaster',
    );
    const other = await cli(
      ['keymaster', 'manifests', '--env', 'staging', '--image', image, '--namespace', 'default'],
      {
        cwd: cluster,
      },
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/trusts the ServiceAccount in namespace keymaster/);
  });
});
