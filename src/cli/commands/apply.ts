import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createProgress, stderrSink } from '../../progress.js';
import { EXIT } from '../errors.js';
import type { CliIo } from '../io.js';
import { jobModules } from './load.js';

/** `apply --approved-plan`: what the gated workflow job does, from a terminal. */
export function registerApply(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  return program
    .command('apply')
    .description(
      "Apply an approved plan file (the apply workflow's artifact) and nothing else: one read, compared row by row, then its writes; nothing is written when AWS moved.",
    )
    .requiredOption('--env <name|path>', 'environment name or file')
    .requiredOption(
      '--approved-plan <file>',
      'the plan file reviewers approved (`{env}-plan.json`)',
    )
    .option(
      '--commit <sha>',
      'the commit the plan was made at (default GITHUB_SHA); recorded on the bank',
    )
    .option('--bootstrap', 'the plan was made with the OIDC provider and roles (an administrator)')
    .option('--json', 'print the decision and each applied section as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops apply --env staging --approved-plan staging-plan.json --commit 0123abc…',
    )
    .action(
      async (options: {
        env: string;
        approvedPlan: string;
        commit?: string;
        bootstrap?: boolean;
        json?: boolean;
      }) => {
        const progress = createProgress({ sink: stderrSink(), label: 'keys apply' });
        progress.begin(`${options.env}: checking the plan file, then reading AWS once`);
        const [{ loadEnvironment }, { awsForEnvironment }, { applyApprovedJob, readApprovedPlan }] =
          await jobModules(import('../../jobs/apply-approved.js'));
        const env = loadEnvironment(options.env, io.cwd);
        // The plan file is checked before the first AWS call (exit 2 when it is not one).
        const approved = readApprovedPlan(env.name, options.approvedPlan, (file) =>
          readFileSync(path.resolve(io.cwd, file), 'utf8'),
        );
        const commit = options.commit ?? io.env.GITHUB_SHA;
        const job = await applyApprovedJob(env, await awsForEnvironment(env, io.env), {
          approved,
          ...(commit ? { commit } : {}),
          bootstrap: options.bootstrap ?? false,
          verifyKeyTrust: true,
          progress,
        });
        if (options.json) {
          const section = (json: string | undefined) =>
            json ? (JSON.parse(json) as unknown) : null;
          io.out(
            JSON.stringify(
              {
                ok: job.ok,
                decision: {
                  ok: job.decision.ok,
                  message: job.decision.message,
                  differences: job.decision.differences,
                },
                keys: job.keys?.json ?? null,
                iam: section(job.iam?.json),
                bucket: section(job.bucket?.json),
                ...(job.failed ? { failed: job.failed } : {}),
              },
              null,
              2,
            ),
          );
        } else {
          io.out(
            [job.decision.message, job.keys?.console, job.iam?.console, job.bucket?.console]
              .filter(Boolean)
              .join('\n\n'),
          );
          if (job.failed) io.out(job.failed.message);
        }
        if (!job.ok) setExitCode(EXIT.failed);
      },
    );
}
