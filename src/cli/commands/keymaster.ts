import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { InputError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';
import { registerKeymasterDeploy } from './keymaster-deploy.js';
import { registerKeymasterLedger, registerProposeThresholds } from './keymaster-ledger.js';
import { jobModules } from './load.js';

export function registerKeymaster(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const keymaster = program
    .command('keymaster')
    .description('Keep every agent wallet funded from the bank: once, or as a service.')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops keymaster once --env staging --dry-run\n  $ nomad-ops keymaster serve --env production --port 9090',
    );

  keymaster
    .command('once')
    .description(
      'Read every balance, top up wallets below lower to target, print before and after.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--dry-run', 'plan the top-ups and send nothing')
    .option('--json', 'print the run as JSON')
    .addHelpText('after', '\nExample:\n  $ nomad-ops keymaster once --env staging --dry-run')
    .action(async (options: { env: string; dryRun?: boolean; json?: boolean }) => {
      const [{ loadEnvironment }, { awsForEnvironment }, { keymasterJob }] = await jobModules(
        import('../../jobs/keymaster.js'),
      );
      const env = loadEnvironment(options.env, io.cwd);
      const job = keymasterJob(env, await awsForEnvironment(env, io.env), io.env);
      const run = await job.runOnce({ dryRun: options.dryRun ?? false });
      io.out(options.json ? job.json(run) : job.console(run));
      if (!run.ok) setExitCode(EXIT.failed);
    });

  keymaster
    .command('approved')
    .description(
      'Print the commit, funding settings hash and time the last apply recorded on the bank, and any merged change awaiting approval.',
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--json', 'print it as JSON')
    .addHelpText('after', '\nExample:\n  $ nomad-ops keymaster approved --env production --json')
    .action(async (options: { env: string; json?: boolean }) => {
      const [{ loadEnvironment }, { awsForEnvironment }, [{ approvedStatus }, report]] =
        await jobModules(
          Promise.all([
            import('../../jobs/funding-approved.js'),
            import('../../report/approved.js'),
          ]),
        );
      const env = loadEnvironment(options.env, io.cwd);
      const status = await approvedStatus(env, await awsForEnvironment(env, io.env));
      io.out(options.json ? report.approvedJson(status) : report.renderApprovedConsole(status));
      if (!status.record) setExitCode(EXIT.failed);
    });

  keymaster
    .command('serve')
    .description('Run every interval; serve /metrics and /healthz; stop cleanly on SIGTERM.')
    .requiredOption('--env <name|path>', 'environment name or file')
    .option('--port <port>', 'port of /metrics and /healthz', '9090')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--pushgateway <url>', 'also push the metrics to this Prometheus Pushgateway')
    .option('--dry-run', 'plan and expose metrics, send nothing')
    .option('--json', 'log each run as one JSON line on stderr; print where it served on stop')
    .addHelpText('after', '\nExample:\n  $ nomad-ops keymaster serve --env production --port 9090')
    .action(
      async (options: {
        env: string;
        port: string;
        host: string;
        pushgateway?: string;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new InputError(`--port ${options.port} is not a port number (0-65535)`);
        }
        const [{ loadEnvironment }, { awsForEnvironment }, [{ keymasterJob }, { serveKeymaster }]] =
          await jobModules(
            Promise.all([
              import('../../jobs/keymaster.js'),
              import('../../keymaster/service/service.js'),
            ]),
          );
        const env = loadEnvironment(options.env, io.cwd);
        const job = keymasterJob(env, await awsForEnvironment(env, io.env), io.env);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        try {
          const service = await serveKeymaster({
            runOnce: (signal) => job.runOnce({ dryRun: options.dryRun ?? false, signal }),
            metrics: job.metrics,
            networks: job.networks,
            intervalSeconds: env.keymaster.intervalSeconds,
            signal: stop.signal,
            port,
            host: options.host,
            ...(options.pushgateway ? { pushgatewayUrl: options.pushgateway } : {}),
            onRun: (run) =>
              io.err(options.json ? JSON.stringify(JSON.parse(job.json(run))) : job.console(run)),
          });
          io.err(
            `keymaster ${env.name}: metrics on ${service.url}/metrics, every ${env.keymaster.intervalSeconds}s`,
          );
          await service.done;
          if (options.json) {
            io.out(
              toJson({ environment: env.name, metrics: `${service.url}/metrics`, stopped: true }),
            );
          }
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
      },
    );
  registerKeymasterDeploy(keymaster, io);
  registerKeymasterLedger(keymaster, io, setExitCode);
  registerProposeThresholds(keymaster, io);
  return keymaster;
}
