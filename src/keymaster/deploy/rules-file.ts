import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { stringify } from 'yaml';
import type { RuleGroup } from './alerts.js';
import { objectMeta } from './labels.js';

/**
 * The alert rules in the two forms operators load: a plain Prometheus rules file
 * (`rule_files:`) and a prometheus-operator PrometheusRule object. Both from `alertRules`.
 */

export function rulesFileYaml(groups: RuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0 });
}

export function prometheusRule(
  groups: RuleGroup[],
  options: { environment: string; namespace: string; labels?: Record<string, string> },
): PrometheusRule {
  return new PrometheusRule({
    metadata: objectMeta(options.environment, options.namespace, { labels: options.labels ?? {} }),
    spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules })) },
  });
}
