import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';

export type ObjectMeta = NonNullable<IDeployment['metadata']>;

/** The name every Keymaster object shares (one Keymaster per namespace). */
export const APP_NAME = 'nomad-keymaster';

/** Labels of the pods, also the selector of the Deployment and the Service. */
export function selectorLabels(environment: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP_NAME,
    'app.kubernetes.io/instance': `${APP_NAME}-${environment}`,
  };
}

export function objectMeta(
  environment: string,
  namespace: string,
  extra: Partial<ObjectMeta> = {},
): ObjectMeta {
  return {
    name: APP_NAME,
    namespace,
    ...extra,
    labels: {
      ...selectorLabels(environment),
      'app.kubernetes.io/component': 'keymaster',
      'app.kubernetes.io/part-of': 'nomad-agent-ops',
      'nomad.xyz/environment': environment,
      ...extra.labels,
    },
  };
}
