import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
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

const IMAGE = `registry.test/keymaster:1@sha256:${'ab'.repeat(32)}`;

describe('nomad-ops keymaster manifests', () => {
  it('renders the service objects, valid against the Kubernetes schemas, with one sender at most', async () => {
    const objects = await manifests(['--env', 'staging', '--namespace', 'km', '--image', IMAGE]);
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
    expect(container.image).toBe(IMAGE);
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
      '--image',
      IMAGE,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /staging\.yaml: the namespace "Key_Master" is not a Kubernetes name/,
    );
  });

  it('puts the Prometheus labels on the ServiceMonitor and PrometheusRule, kube-prometheus-stack by default', async () => {
    const selected = (objects: K8sObject[]) =>
      Object.fromEntries(
        objects
          .filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PrometheusRule')
          .map((o) => [o.kind, o.metadata.labels]),
      );
    const byDefault = selected(await manifests(['--env', 'staging', '--image', IMAGE]));
    expect(Object.keys(byDefault).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    for (const labels of Object.values(byDefault)) {
      expect(labels).toMatchObject({
        release: 'kube-prometheus-stack',
        'nomad.xyz/environment': 'staging',
      });
    }
    const chosen = selected(
      await manifests([
        '--env',
        'staging',
        '--image',
        IMAGE,
        '--prometheus-labels',
        'prometheus=ops,team=bridge',
      ]),
    );
    for (const labels of Object.values(chosen)) {
      expect(labels).toMatchObject({ prometheus: 'ops', team: 'bridge' });
      expect(labels).not.toHaveProperty('release');
    }
    const none = await manifests(['--env', 'staging', '--image', IMAGE, '--prometheus-labels', '']);
    expect(none.find((o) => o.kind === 'Deployment')!.metadata.labels).not.toHaveProperty(
      'release',
    );
    for (const bad of ['release', 'bad key=x', 'app.kubernetes.io/name=x']) {
      const run = await cli([
        'keymaster',
        'manifests',
        '--env',
        'staging',
        '--image',
        IMAGE,
        '--prometheus-labels',
        bad,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--prometheus-labels/);
    }
  });

  it('passes the Kubernetes and prometheus-operator schemas, parsed back from what it prints', async () => {
    const objects = await manifests(['--env', 'production', '--image', IMAGE]);
    const models: Record<string, { new (data: never): { validate(): void } }> = {
      ServiceAccount,
      ConfigMap,
      Deployment,
      Service,
      ServiceMonitor,
      PrometheusRule,
    };
    expect(objects.map((o) => o.kind).sort()).toEqual(Object.keys(models).sort());
    for (const o of objects) expect(() => new models[o.kind]!(o as never).validate()).not.toThrow();
    // The check is real: the same objects with a field of the wrong type fail it.
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor')!;
    expect(() =>
      new ServiceMonitor({
        ...monitor,
        spec: { ...monitor.spec, endpoints: 'metrics' },
      } as never).validate(),
    ).toThrow();
  });

  it('requires an image pinned by digest, from --image or keymaster.eks.image', async () => {
    const none = await cli(['keymaster', 'manifests', '--env', 'staging']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /staging\.yaml: no image to run: pass --image .*keymaster\.eks\.image/,
    );
    expect(none.stdout).toBe('');
    for (const [image, why] of [
      ['registry.test/keymaster:latest', /has no digest, so it means whatever latest is/],
      ['registry.test/keymaster', /has no digest/],
      ['registry.test/keymaster:0.1.0', /the tag 0\.1\.0 could be moved/],
      ['registry.test/keymaster@sha256:abc', /no sha256 digest of 64/],
      ['Registry.test/Key master:1', /is not an image reference/],
    ] as const) {
      const run = await cli(['keymaster', 'manifests', '--env', 'staging', '--image', image]);
      expect(run.code, image).toBe(2);
      expect(run.stderr).toMatch(why);
      expect(run.stdout).toBe('');
    }
    // From the file: keymaster.eks.image.
    const dir = mkdtempSync(path.join(tmpdir(), 'nomad-image-'));
    mkdirSync(path.join(dir, 'environments'));
    const staging = readFileSync(path.join(repoRoot, 'environments/staging.yaml'), 'utf8');
    const withEks = `${staging.trimEnd()}\n`.replace(
      /^keymaster:\n/m,
      `keymaster:\n  eks:\n    oidcIssuer: https://oidc.eks.us-east-1.amazonaws.com/id/ABC123\n    image: ${IMAGE}\n`,
    );
    expect(withEks).toContain(IMAGE);
    const file = path.join(dir, 'environments', 'staging.yaml');
    writeFileSync(file, withEks);
    const objects = await manifests(['--env', file]);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(IMAGE);
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
    expect(object.stdout).toContain('release: kube-prometheus-stack');
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
