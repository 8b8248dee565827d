import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_RPC_SECRET,
  DEFAULT_SCHEDULE_SECONDS,
} from '../../keymaster/deploy/defaults.js';
import { DEFAULT_PROMETHEUS_LABELS, parsePrometheusLabels } from '../../keymaster/deploy/image.js';
import { InputError } from '../../errors.js';
import type { CliIo } from '../io.js';

/**
 * `keymaster manifests`, `keymaster alerts` and `keymaster dashboard`: what an operator deploys
 * to run and watch the Keymaster service. Offline: no AWS, no chain.
 */

const { version } = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
) as { version: string };

const EXAMPLE_IMAGE = `ghcr.io/nomad-xyz/nomad-agent-ops:${version}@sha256:<digest>`;

function scheduleSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 60) {
    throw new InputError(
      `--schedule-seconds ${value} is not a whole number of seconds (60 or more)`,
    );
  }
  return n;
}

/** Multi-document YAML, as kubectl apply -f takes it. */
async function yamlDocuments(objects: Array<{ toJSON(): unknown }>): Promise<string> {
  const { stringify } = await import('yaml');
  return objects.map((o) => stringify(o.toJSON(), { lineWidth: 0 })).join('---\n');
}

export function registerKeymasterDeploy(keymaster: Command, io: CliIo): void {
  keymaster
    .command('manifests')
    .description(
      'Render the Kubernetes objects of keymaster serve: ServiceAccount (IRSA), ConfigMap, Deployment, Service, ServiceMonitor, PrometheusRule.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option(
      '--namespace <name>',
      `namespace of every object (default keymaster.eks.namespace, else ${DEFAULT_NAMESPACE})`,
    )
    .option(
      '--image <ref>',
      'container image of the CLI, pinned by digest: name[:tag]@sha256:… (default keymaster.eks.image; required when the file has none)',
    )
    .option('--rpc-secret <name>', 'Secret with one key per rpcUrlEnv', DEFAULT_RPC_SECRET)
    .option(
      '--schedule-seconds <n>',
      'seconds between cron runs, for their alerts',
      String(DEFAULT_SCHEDULE_SECONDS),
    )
    .option('--no-cron', 'no alerts on cron runs pushed to a Pushgateway')
    .option(
      '--prometheus-labels <key=value,…>',
      'labels on the ServiceMonitor and PrometheusRule that the Prometheus selects them by ("" for none)',
      DEFAULT_PROMETHEUS_LABELS,
    )
    .option('--json', 'print a Kubernetes List as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  $ nomad-ops keymaster manifests --env production --image ${EXAMPLE_IMAGE} | kubectl apply -f -`,
    )
    .action(
      async (options: {
        env: string;
        namespace?: string;
        image?: string;
        rpcSecret: string;
        scheduleSeconds: string;
        cron: boolean;
        prometheusLabels: string;
        json?: boolean;
      }) => {
        const [{ loadEnvironment }, { keymasterManifests }] = await Promise.all([
          import('../../jobs/environment.js'),
          import('../../keymaster/deploy/manifests.js'),
        ]);
        const env = loadEnvironment(options.env, io.cwd);
        const image = options.image ?? env.keymaster.eks?.image;
        if (!image) {
          throw new InputError(
            `${env.source}: no image to run: pass --image <name[:tag]@sha256:…> (the image workflow's digest for release ${version}) or set keymaster.eks.image`,
          );
        }
        const objects = keymasterManifests(env, {
          namespace: options.namespace ?? env.keymaster.eks?.namespace ?? DEFAULT_NAMESPACE,
          image,
          rpcSecret: options.rpcSecret,
          environmentFile: readFileSync(env.source, 'utf8'),
          alerts: {
            cron: options.cron,
            scheduleSeconds: scheduleSeconds(options.scheduleSeconds),
          },
          prometheusLabels: parsePrometheusLabels(options.prometheusLabels),
        });
        io.out(
          options.json
            ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)
            : await yamlDocuments(objects),
        );
      },
    );

  keymaster
    .command('alerts')
    .description(
      'Render the Keymaster alert rules: a Prometheus rules file or a PrometheusRule object.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--format <format>', 'rules (a rules file) or prometheus-rule', 'rules')
    .option('--namespace <name>', 'namespace of the PrometheusRule', DEFAULT_NAMESPACE)
    .option('--schedule-seconds <n>', 'seconds between cron runs', String(DEFAULT_SCHEDULE_SECONDS))
    .option('--no-service', 'no alerts on the service (cron runs only)')
    .option('--no-cron', 'no alerts on cron runs (the service only)')
    .option('--runbook-url <url>', 'the runbook the alerts link to (anchors are appended)')
    .option('--json', 'print the rules file or the PrometheusRule as JSON')
    .option(
      '--prometheus-labels <key=value,…>',
      'labels of the PrometheusRule that the Prometheus selects it by ("" for none)',
      DEFAULT_PROMETHEUS_LABELS,
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster alerts --env production > keymaster-rules.yml\n  $ promtool check rules keymaster-rules.yml',
    )
    .action(
      async (options: {
        env: string;
        format: string;
        namespace: string;
        scheduleSeconds: string;
        service: boolean;
        cron: boolean;
        runbookUrl?: string;
        json?: boolean;
        prometheusLabels: string;
      }) => {
        if (options.format !== 'rules' && options.format !== 'prometheus-rule') {
          throw new InputError(`--format ${options.format}: use rules or prometheus-rule`);
        }
        if (!options.service && !options.cron) {
          throw new InputError('--no-service and --no-cron together leave no alert: drop one');
        }
        const [{ loadEnvironment }, { alertRules }, { prometheusRule, rulesFileYaml }] =
          await Promise.all([
            import('../../jobs/environment.js'),
            import('../../keymaster/deploy/alerts.js'),
            import('../../keymaster/deploy/rules-file.js'),
          ]);
        const env = loadEnvironment(options.env, io.cwd);
        const groups = alertRules(env, {
          service: options.service,
          cron: options.cron,
          scheduleSeconds: scheduleSeconds(options.scheduleSeconds),
          ...(options.runbookUrl ? { runbookUrl: options.runbookUrl } : {}),
        });
        if (options.format === 'rules') {
          const text = rulesFileYaml(groups);
          io.out(options.json ? JSON.stringify((await import('yaml')).parse(text), null, 2) : text);
          return;
        }
        const object = prometheusRule(groups, {
          environment: env.name,
          namespace: options.namespace,
          labels: parsePrometheusLabels(options.prometheusLabels),
        });
        object.validate();
        io.out(
          options.json ? JSON.stringify(object.toJSON(), null, 2) : await yamlDocuments([object]),
        );
      },
    );

  keymaster
    .command('dashboard')
    .description(
      "Write the Keymaster's Grafana dashboard (JSON, built with Grafana's foundation SDK).",
    )
    .option('--out <file>', 'write it to this file instead of stdout')
    .option('--json', 'the dashboard is JSON; with --out, print { "wrote": <file> }')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster dashboard --out deploy/grafana/keymaster.json',
    )
    .action(async (options: { out?: string; json?: boolean }) => {
      const { keymasterDashboardJson } = await import('../../keymaster/deploy/dashboard.js');
      const json = keymasterDashboardJson();
      if (options.out) {
        writeFileSync(path.resolve(io.cwd, options.out), json);
        if (options.json) io.out(JSON.stringify({ wrote: options.out }));
        else io.err(`wrote ${options.out}`);
      } else {
        io.out(json);
      }
    });
}
