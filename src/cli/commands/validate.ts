import type { Command } from 'commander';
import { EXIT } from '../errors.js';
import { InputError } from '../../errors.js';
import { toJson, type CliIo } from '../io.js';

export function registerValidate(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  return program
    .command('validate')
    .description('Check environment files against the schema and cross-field rules.')
    .argument('[files...]', 'environment files (default: environments/*.yaml)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops validate environments/staging.yaml\n  $ nomad-ops validate --json',
    )
    .action(async (files: string[], options: { json?: boolean }) => {
      const [{ defaultEnvironmentFiles, validateFiles }, { formatProblem }] = await Promise.all([
        import('../../jobs/validate.js'),
        import('../../config/problem.js'),
      ]);
      const targets = files.length > 0 ? files : await defaultEnvironmentFiles(io.cwd);
      if (targets.length === 0) {
        throw new InputError(
          'no environment files: pass paths, or run where environments/*.yaml exist',
        );
      }
      const results = validateFiles(targets, io.cwd);
      const bad = results.some((r) => !r.ok);
      if (options.json) {
        io.out(toJson({ ok: !bad, files: results }));
      } else {
        for (const r of results) {
          if (r.ok) io.out(`ok    ${r.file}`);
          else for (const p of r.problems) io.err(formatProblem(p));
        }
        const problemCount = results.reduce((n, r) => n + r.problems.length, 0);
        if (bad)
          io.err(`${problemCount} problem(s) in ${results.filter((r) => !r.ok).length} file(s)`);
      }
      if (bad) setExitCode(EXIT.badInput);
    });
}
