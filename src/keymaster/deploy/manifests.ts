import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import path from 'node:path';
import type { ResolvedEnvironment } from '../../config/model.js';
import { InputError } from '../../errors.js';
import { fundingSettingsHash, fundingSettingsOf } from '../../inventory/funding-settings.js';
import { keysFor } from '../../inventory/keys.js';
import { githubRoleName, roleArn } from '../../inventory/names.js';
import { KEYMASTER_SERVICE_ACCOUNT } from '../../inventory/trust-policies.js';
import { alertRules, type AlertOptions } from './alerts.js';
import { METRICS_PORT, SERVICE_JOB } from './jobs.js';
import { DEFAULT_NAMESPACE, DEFAULT_RPC_SECRET } from './defaults.js';
import { APP_NAME, objectMeta, selectorLabels, type ObjectMeta } from './labels.js';
import { imageProblem } from './image.js';
import { prometheusRule } from './rules-file.js';

/**
 * The Kubernetes objects of `keymaster serve` (DESIGN §8b), built typed with kubernetes-models:
 * one replica replaced with `Recreate` (two senders from one bank would race for nonces), probes
 * on /healthz, a read-only root filesystem as a non-root user, the environment file as a
 * ConfigMap, RPC URLs from a Secret by their `rpcUrlEnv` names, a ServiceAccount for IAM roles
 * for service accounts, a Service, a ServiceMonitor and the alert rules.
 */

export interface ManifestOptions {
  /** Must be `keymaster.eks.namespace` when the file names a cluster (the role trusts that one). */
  namespace: string;
  image: string;
  /** The environment file's text (it becomes the ConfigMap). */
  environmentFile: string;
  /** The Secret that holds the RPC URLs, one key per `rpcUrlEnv` (default `nomad-keymaster-rpc`). */
  rpcSecret?: string;
  alerts?: AlertOptions;
  /** Labels the Prometheus selects ServiceMonitors and rules by (see image.ts's default). */
  prometheusLabels?: Record<string, string>;
}

export { DEFAULT_NAMESPACE, DEFAULT_RPC_SECRET };
const CONFIG_DIR = '/etc/nomad-keymaster';
/** The non-root user of the image (node's, in the official Node images). */
const RUN_AS_USER = 1000;

export type KeymasterObject =
  | ServiceAccount
  | ConfigMap
  | Deployment
  | Service
  | ServiceMonitor
  | ReturnType<typeof prometheusRule>;

/** The IAM role the service assumes through its ServiceAccount: the environment's Keymaster role. */
export function keymasterRoleArn(env: ResolvedEnvironment): string {
  return roleArn(env.aws.accountId, githubRoleName(env.name, 'keymaster'));
}

/** A DNS-1123 label: what Kubernetes accepts as a namespace or Secret name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The annotation holding the sha256 of the funding settings the Deployment runs with. */
export const FUNDING_ANNOTATION = 'nomad.xyz/funding-sha256';

export function keymasterManifests(
  env: ResolvedEnvironment,
  options: ManifestOptions,
): KeymasterObject[] {
  const { namespace } = options;
  for (const [what, value] of [
    ['namespace', namespace],
    ['RPC secret name', options.rpcSecret ?? DEFAULT_RPC_SECRET],
  ] as const) {
    if (!DNS_LABEL.test(value)) {
      throw new InputError(
        `${env.source}: the ${what} ${JSON.stringify(value)} is not a Kubernetes name: lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit`,
      );
    }
  }
  const eks = env.keymaster.eks;
  if (eks && eks.namespace !== namespace) {
    throw new InputError(
      `${env.source}: the Keymaster role trusts the ServiceAccount in namespace ${eks.namespace} (keymaster.eks.namespace), not ${namespace}: use --namespace ${eks.namespace} or change the file and apply IAM`,
    );
  }
  const imageRefused = imageProblem(options.image);
  if (imageRefused) throw new InputError(`${env.source}: ${imageRefused}`);
  const prometheusLabels = options.prometheusLabels ?? {};
  const meta = (extra: Partial<ObjectMeta> = {}) => objectMeta(env.name, namespace, extra);
  const fileName = `${env.name}.yaml`;
  const rpcSecret = options.rpcSecret ?? DEFAULT_RPC_SECRET;
  const interval = env.keymaster.intervalSeconds;

  const serviceAccount = new ServiceAccount({
    metadata: meta({
      name: KEYMASTER_SERVICE_ACCOUNT,
      annotations: { 'eks.amazonaws.com/role-arn': keymasterRoleArn(env) },
    }),
    automountServiceAccountToken: true,
  });
  const configMap = new ConfigMap({
    metadata: meta({ name: `${APP_NAME}-environment` }),
    data: { [fileName]: options.environmentFile },
  });
  // The funding settings this Deployment pays with: on the Deployment and on its pods, so a
  // settings change rolls the pod and `kubectl describe` shows which approval a rollout carries
  // (compare `nomad-ops keymaster approved`).
  const approval = {
    [FUNDING_ANNOTATION]: fundingSettingsHash(fundingSettingsOf(env, keysFor(env))),
  };
  const deployment = new Deployment({
    metadata: meta({ annotations: approval }),
    spec: {
      // One sender per bank: never two pods, not even during a rollout.
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(env.name) },
      template: {
        metadata: {
          labels: { ...selectorLabels(env.name), 'nomad.xyz/environment': env.name },
          annotations: approval,
        },
        spec: {
          serviceAccountName: KEYMASTER_SERVICE_ACCOUNT,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // A run in flight finishes its sends before the pod goes (SIGTERM stops the loop).
          terminationGracePeriodSeconds: env.keymaster.receiptTimeoutSeconds + 30,
          containers: [
            {
              name: 'keymaster',
              image: options.image,
              args: [
                'keymaster',
                'serve',
                '--env',
                path.posix.join(CONFIG_DIR, fileName),
                '--port',
                String(METRICS_PORT),
              ],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              env: [
                { name: 'AWS_REGION', value: env.aws.region },
                ...env.networks.map((n) => ({
                  name: n.rpcUrlEnv,
                  valueFrom: { secretKeyRef: { name: rpcSecret, key: n.rpcUrlEnv } },
                })),
              ],
              resources: {
                requests: { cpu: '50m', memory: '128Mi' },
                limits: { memory: '512Mi' },
              },
              // Unhealthy means a network has not been swept for three intervals (or since start).
              readinessProbe: {
                httpGet: { path: '/healthz', port: 'metrics' },
                periodSeconds: 10,
                failureThreshold: 1,
              },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'metrics' },
                initialDelaySeconds: interval,
                periodSeconds: interval,
                failureThreshold: 3,
              },
              securityContext: {
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'environment', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'environment', configMap: { name: `${APP_NAME}-environment` } },
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  });
  const service = new Service({
    metadata: meta(),
    spec: {
      selector: selectorLabels(env.name),
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
    },
  });
  const serviceMonitor = new ServiceMonitor({
    metadata: meta({ labels: prometheusLabels }),
    spec: {
      selector: { matchLabels: selectorLabels(env.name) },
      namespaceSelector: { matchNames: [namespace] },
      endpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: `${Math.min(60, interval)}s`,
          // The series carry their own environment label; the scrape adds it to the others
          // and names the job the alert rules select.
          honorLabels: true,
          relabelings: [
            { action: 'replace', targetLabel: 'job', replacement: SERVICE_JOB },
            { action: 'replace', targetLabel: 'environment', replacement: env.name },
          ],
        },
      ],
    },
  });
  const rules = prometheusRule(alertRules(env, options.alerts), {
    environment: env.name,
    namespace,
    labels: prometheusLabels,
  });
  const objects = [serviceAccount, configMap, deployment, service, serviceMonitor, rules];
  // Against the Kubernetes (and prometheus-operator) schemas: throws naming the field.
  for (const object of objects) object.validate();
  return objects;
}
