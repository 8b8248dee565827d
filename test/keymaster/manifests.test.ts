import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { fundingSettingsHash, fundingSettingsOf } from '../../src/inventory/funding-settings.js';
import { keysFor } from '../../src/inventory/keys.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { SERVICE_JOB } from '../../src/keymaster/deploy/jobs.js';
import { keymasterDashboardJson } from '../../src/keymaster/deploy/dashboard.js';
import { cli, repoRoot } from '../cli/helpers.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

async function manifests(args: string[]): Promise<K8sObject[]> {
  const run = await cli(['keymaster', 'manifests', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return parseAllDocuments(run.stdout).map((d) => d.toJSON() as K8sObject);
}

describe('nomad-ops keymaster manifests', () => {
  it('renders the service objects, valid against the Kubernetes schemas, with one sender at most', async () => {
    const objects = await manifests([
      '--env',
      'staging',
      '--namespace',
      'km',
      '--image',
      'registry.test/keymaster:1',
    ]);
    const byKind = Object.fromEntries(objects.map((o) => [o.kind, o]));
    expect(Object.keys(byKind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('km');
    // Parsed back from the YAML, the Deployment still passes the schema.
    new Deployment(byKind.Deployment as never).validate();

    // The funding settings it pays with, as `keys plan` hashes them, on the Deployment and its pods.
    const staging = loadEnvironment('staging', repoRoot);
    const sha256 = fundingSettingsHash(fundingSettingsOf(staging, keysFor(staging)));
    expect(byKind.Deployment!.metadata.annotations).toMatchObject({
      'nomad.xyz/funding-sha256': sha256,
    });
    expect(byKind.Deployment!.spec.template.metadata.annotations).toEqual({
      'nomad.xyz/funding-sha256': sha256,
    });

    const deployment = byKind.Deployment!.spec;
    expect(deployment.replicas).toBe(1);
    expect(deployment.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.serviceAccountName).toBe(byKind.ServiceAccount!.metadata.name);
    const [container] = pod.containers;
    expect(container.image).toBe('registry.test/keymaster:1');
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    }
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);

    // RPC URLs come from the Secret by their rpcUrlEnv names, never as values.
    const env = loadEnvironment('staging', repoRoot);
    const rpc = container.env.filter((e: { valueFrom?: unknown }) => e.valueFrom);
    expect(rpc).toEqual(
      env.networks.map((n) => ({
        name: n.rpcUrlEnv,
        valueFrom: { secretKeyRef: { name: 'nomad-keymaster-rpc', key: n.rpcUrlEnv } },
      })),
    );

    // The ConfigMap is the environment file, and serve reads it where it is mounted.
    const file = byKind.ConfigMap!.data!['staging.yaml']!;
    expect(file).toBe(readFileSync(env.source, 'utf8'));
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'environment');
    expect(container.args).toEqual([
      'keymaster',
      'serve',
      '--env',
      `${mount.mountPath}/staging.yaml`,
      '--port',
      '9090',
    ]);
    const copy = mkdtempSync(path.join(tmpdir(), 'nomad-cm-'));
    mkdirSync(path.join(copy, 'environments'));
    writeFileSync(path.join(copy, 'staging.yaml'), file);
    expect(loadEnvironment(path.join(copy, 'staging.yaml'), copy).keymaster).toEqual(env.keymaster);

    // IRSA: the Keymaster role of the environment's account.
    expect(byKind.ServiceAccount!.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': `arn:aws:iam::${env.aws.accountId}:role/nomad-ops-staging-keymaster`,
    });

    // The Service selects the pods; the ServiceMonitor selects the Service and names the job the rules use.
    expect(byKind.Service!.spec.selector).toEqual(deployment.selector.matchLabels);
    for (const [k, v] of Object.entries(byKind.ServiceMonitor!.spec.selector.matchLabels)) {
      expect(byKind.Service!.metadata.labels[k]).toBe(v);
    }
    const [endpoint] = byKind.ServiceMonitor!.spec.endpoints;
    expect(endpoint.port).toBe('metrics');
    expect(endpoint.relabelings).toContainEqual({
      action: 'replace',
      targetLabel: 'job',
      replacement: SERVICE_JOB,
    });
    expect(JSON.stringify(byKind.PrometheusRule!.spec)).toContain(`job=\\"${SERVICE_JOB}\\"`);
  });

  it('is checked by the schemas: a Deployment with a bad field does not validate', () => {
    expect(() =>
      new Deployment({
        metadata: { name: 'x' },
        spec: { replicas: 'one' as never, selector: {}, template: {} },
      }).validate(),
    ).toThrow(/replicas/);
  });

  it('refuses a namespace Kubernetes would refuse, as bad input', async () => {
    const run = await cli([
      'keymaster',
      'manifests',
      '--env',
      'staging',
      '--namespace',
      'Key_Master',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /staging\.yaml: the namespace "Key_Master" is not a Kubernetes name/,
    );
  });

  it('renders alerts as a rules file or a PrometheusRule', async () => {
    const rules = await cli(['keymaster', 'alerts', '--env', 'production']);
    expect(rules.code, rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/^groups:\n {2}- name: nomad-keymaster-production/);
    const object = await cli([
      'keymaster',
      'alerts',
      '--env',
      'production',
      '--format',
      'prometheus-rule',
      '--no-service',
    ]);
    expect(object.code, object.stderr).toBe(0);
    expect(object.stdout).toContain('kind: PrometheusRule');
    expect(object.stdout).not.toContain(SERVICE_JOB);
    expect(
      (await cli(['keymaster', 'alerts', '--env', 'production', '--no-service', '--no-cron'])).code,
    ).toBe(2);
  });
});

describe('the committed dashboard', () => {
  it('is what nomad-ops keymaster dashboard writes (npm run nomad-ops -- keymaster dashboard --out deploy/grafana/keymaster.json)', async () => {
    const committed = readFileSync(path.join(repoRoot, 'deploy/grafana/keymaster.json'), 'utf8');
    expect(committed).toBe(keymasterDashboardJson());
    const run = await cli(['keymaster', 'dashboard']);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(committed));
  });
});
