import type { Command } from 'commander';
import { toJson, type CliIo } from '../io.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `nomad-ops alert send|watchdog`: the workflows' alerts from a shell or another scheduler. */
export function registerAlert(program: Command, io: CliIo): Command {
  const alert = program
    .command('alert')
    .description(
      'Send an alert to the tracking issue and the Slack-compatible and PagerDuty webhooks configured (NOMAD_ALERT_SLACK_WEBHOOK_URL, NOMAD_ALERT_PAGERDUTY_ROUTING_KEY), or check that the Keymaster runs.',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops alert send --repo nomad-xyz/nomad-agent-ops --env production --alert KeymasterBankLow --what "bank of ethereum below 2 ETH"\n  $ nomad-ops alert watchdog --repo nomad-xyz/nomad-agent-ops',
    );

  const setup = async (repo: string) => {
    const { alertingSetup, webhookTargetsFrom } = await import('../../jobs/alert-channels.js');
    return alertingSetup({
      targets: webhookTargetsFrom(io.env),
      repository: repo,
      ...(io.env.GITHUB_TOKEN ? { token: io.env.GITHUB_TOKEN } : {}),
      ...(io.env.GITHUB_API_URL ? { apiUrl: io.env.GITHUB_API_URL } : {}),
      warn: (m) => io.err(`warning: ${m}`),
      info: (m) => io.err(m),
    });
  };

  alert
    .command('send')
    .description(
      'Send one alert; the tracking issue needs GITHUB_TOKEN (issues write), the webhooks their variables. A failing webhook is a warning.',
    )
    .requiredOption('--repo <owner/name>', 'the repository of the tracking issue and runbook links')
    .requiredOption('--env <name>', 'the environment the alert is about')
    .requiredOption(
      '--alert <name>',
      'KeymasterRunFailed, KeymasterRunCancelled, KeymasterRunStale, KeymasterBankLow, ApplyFailed or DriftFound',
    )
    .option('--what <line>', 'what failed (repeat for more lines)', collect, [])
    .option('--run-url <url>', 'the run the alert is about')
    .option('--json', 'print what was delivered as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops alert send --repo nomad-xyz/nomad-agent-ops --env staging --alert KeymasterRunFailed --what "cron runner down"',
    )
    .action(
      async (options: {
        repo: string;
        env: string;
        alert: string;
        what: string[];
        runUrl?: string;
        json?: boolean;
      }) => {
        const [{ explicitAlert }, { deliverAlert }] = await Promise.all([
          import('../../jobs/alert-check.js'),
          import('../../jobs/alert.js'),
        ]);
        const made = explicitAlert(options.alert, options.env, {
          repository: options.repo,
          what: options.what.join('\n'),
          ...(options.runUrl
            ? { run: { id: options.runUrl.split('/').pop()!, url: options.runUrl } }
            : {}),
        });
        const { channels } = await setup(options.repo);
        const delivered = await deliverAlert(
          made,
          channels,
          options.runUrl ?? new Date().toISOString(),
        );
        io.out(
          options.json
            ? toJson(delivered)
            : `${made.name} (${made.environment}): ${delivered.issue ? `${delivered.issue.action} ${delivered.issue.url}` : 'no tracking issue (no GITHUB_TOKEN)'}; ${delivered.channels.map((c) => `${c.channel} ${c.sent ? 'sent' : 'not sent'}`).join(', ') || 'no webhook'}`,
        );
      },
    );

  alert
    .command('watchdog')
    .description(
      "Alert for each environment whose last successful Keymaster run is older than three intervals of keymaster.yml's schedule (reads the runs through GitHub's API with GITHUB_TOKEN).",
    )
    .requiredOption('--repo <owner/name>', 'the repository whose Keymaster workflow runs')
    .option(
      '--env <name>',
      'an environment the workflow runs (repeat; default staging and production)',
      collect,
      [],
    )
    .option('--workflow <file>', 'the Keymaster workflow file', '.github/workflows/keymaster.yml')
    .option('--json', 'print the verdict as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops alert watchdog --repo nomad-xyz/nomad-agent-ops --env production',
    )
    .action(async (options: { repo: string; env: string[]; workflow: string; json?: boolean }) => {
      const [{ readFileSync }, path, { keymasterWatchdog }, { InputError }] = await Promise.all([
        import('node:fs'),
        import('node:path'),
        import('../../jobs/alert.js'),
        import('../../errors.js'),
      ]);
      const { channels, runs } = await setup(options.repo);
      if (!runs)
        throw new InputError(
          "no GITHUB_TOKEN: the watchdog reads the runs through GitHub's API; set GITHUB_TOKEN to a token that can read Actions",
        );
      let workflowText: string;
      try {
        workflowText = readFileSync(path.resolve(io.cwd, options.workflow), 'utf8');
      } catch {
        throw new InputError(
          `${options.workflow}: cannot read the Keymaster workflow; run from the repository's checkout or pass --workflow`,
        );
      }
      const verdict = await keymasterWatchdog(
        runs,
        {
          workflowText,
          workflowFile: options.workflow,
          environments: options.env.length ? options.env : ['staging', 'production'],
          now: new Date(),
          repository: options.repo,
        },
        channels,
      );
      io.out(
        options.json
          ? toJson({
              intervalSeconds: verdict.intervalSeconds,
              fresh: verdict.fresh,
              stale: verdict.stale.map((d) => d.alert.environment),
            })
          : `interval ${verdict.intervalSeconds / 60} min; fresh: ${verdict.fresh.join(', ') || 'none'}; stale: ${verdict.stale.map((d) => d.alert.environment).join(', ') || 'none'}`,
      );
    });
  return alert;
}
