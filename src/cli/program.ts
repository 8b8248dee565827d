import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { errorMessage, exitCodeOf, InputError } from '../errors.js';
import { EXIT } from './errors.js';
import { redactingIo, type CliIo } from './io.js';
import { heldStdout, jsonError, wantsJson } from './json-mode.js';
import { commands } from './commands/index.js';

// src/cli and lib/cli both sit two levels below the package root.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Builds the `nomad-ops` program; each command module adds itself. */
export function buildProgram(
  io: CliIo,
  setExitCode: (code: number) => void,
  json = false,
): Command {
  const program = new Command('nomad-ops')
    .description("Run Nomad's agent operations: keys, access, proofs bucket, Keymaster.")
    .version(version)
    .showHelpAfterError('(run with --help for usage and an example)')
    .addHelpText(
      'after',
      '\nExample:\n  $ nomad-ops validate\n  $ nomad-ops plan --env production --offline\n  $ nomad-ops keys plan --env staging',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // With --json the error document on stdout says it; stderr stays quiet.
      outputError: (s, write) => (json ? undefined : write(s)),
    });
  for (const register of commands) {
    const command = register(program, io, setExitCode);
    command.exitOverride();
  }
  return program;
}

/** Runs the CLI and returns its exit code: 0 success, 1 operation failed, 2 bad input. */
export async function runCli(argv: string[], given: CliIo): Promise<number> {
  const json = wantsJson(argv);
  const io = heldStdout(redactingIo(given), json);
  let exitCode: number = EXIT.ok;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = Math.max(exitCode, code);
    },
    json,
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
    io.flush();
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; parse errors are bad input.
      if (error.exitCode === 0) {
        io.flush();
        return EXIT.ok;
      }
      if (json) io.fail(jsonError(error, EXIT.badInput));
      else io.flush();
      return EXIT.badInput;
    }
    if (json) {
      io.fail(jsonError(error));
      return exitCodeOf(error);
    }
    io.flush();
    io.err(`error: ${errorMessage(error)}`);
    if (!(error instanceof InputError) && io.env.NOMAD_OPS_DEBUG && error instanceof Error) {
      io.err(error.stack ?? ''); // redacted like every other line
    }
    return exitCodeOf(error);
  }
}
