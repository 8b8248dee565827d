import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Which Python runs moto for the tests, the demo and `.ci/run`. Two commands are the whole
 * set-up (issue 29): when no Python on the machine has moto ≥ 5.2, a project-local virtual
 * environment (`.tmp/moto-venv`, ignored by git) gets the pinned moto on first use and is reused
 * after. The decision is pure (`chooseMotoPython`); probing and installing are the adapter.
 */

/** The moto the venv gets: the version the suite is tested with. */
export const MOTO_REQUIREMENT = 'moto[server]==5.2.1';
/** The oldest moto the harness works with (moto_launcher.py patches its KMS internals). */
export const MOTO_MINIMUM: [number, number] = [5, 2];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MOTO_VENV = path.join(repoRoot, '.tmp', 'moto-venv');
const venvPython = (venv: string) => path.join(venv, 'bin', 'python');

/** moto's version as a Python prints it, or undefined when that Python has no (usable) moto. */
export type Probe = string | undefined;

export function motoIsUsable(version: Probe): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major === MOTO_MINIMUM[0] && minor >= MOTO_MINIMUM[1];
}

export type MotoPythonChoice =
  { use: string; why: string } | { create: string; requirement: string; notice: string };

/**
 * MOTO_PYTHON when set (never second-guessed); else the system python3 with moto ≥ 5.2; else the
 * project venv when it already has one; else create the venv.
 */
export function chooseMotoPython(input: {
  override: string | undefined;
  system: Probe;
  venv: Probe;
  venvDir: string;
}): MotoPythonChoice {
  if (input.override) return { use: input.override, why: 'MOTO_PYTHON' };
  if (motoIsUsable(input.system)) return { use: 'python3', why: `moto ${input.system}` };
  if (motoIsUsable(input.venv))
    return { use: venvPython(input.venvDir), why: `moto ${input.venv} (venv)` };
  const found = input.system ? `moto ${input.system} is older than 5.2` : 'no moto ≥ 5.2 found';
  return {
    create: input.venvDir,
    requirement: MOTO_REQUIREMENT,
    notice: `${found}: installing ${MOTO_REQUIREMENT} into ${path.relative(repoRoot, input.venvDir)} (once; needs Python 3 and PyPI)`,
  };
}

const run = promisify(execFile);

async function probe(python: string): Promise<Probe> {
  if (python.includes(path.sep) && !existsSync(python)) return undefined;
  try {
    const { stdout } = await run(
      python,
      ['-c', 'import moto, moto.server; print(moto.__version__)'],
      {
        timeout: 60_000,
      },
    );
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the venv beside its final place and renames it in, so a run that stops half-way, or
 * two runs at once, never leave a venv without moto where the next run would trust it.
 */
async function createVenv(venv: string, requirement: string): Promise<void> {
  mkdirSync(path.dirname(venv), { recursive: true });
  const building = `${venv}.${process.pid}.partial`;
  rmSync(building, { recursive: true, force: true });
  try {
    await run('python3', ['-m', 'venv', building], { timeout: 120_000 });
    await run(
      venvPython(building),
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement],
      {
        timeout: 600_000,
      },
    );
    try {
      renameSync(building, venv);
    } catch (error) {
      // Another run finished first: use its venv.
      if (!motoIsUsable(await probe(venvPython(venv)))) throw error;
    }
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const errors = stderr.split('\n').filter((l) => l.startsWith('ERROR'));
    const detail = (errors.length > 0 ? errors.join('\n') : stderr.trim()) || String(error);
    throw new Error(
      `could not install ${requirement} into ${venv}: ${detail}\nInstall it yourself (python3 -m pip install "${requirement}") or set MOTO_PYTHON to a Python that has moto ≥ 5.2.`,
      { cause: error },
    );
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

let chosen: Promise<string> | undefined;

/** The Python to run moto_launcher.py with, installing moto into the venv on first use. */
export function motoPython(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  chosen ??= (async () => {
    const override = process.env.MOTO_PYTHON;
    const [system, venv] = override
      ? [undefined, undefined]
      : await Promise.all([probe('python3'), probe(venvPython(MOTO_VENV))]);
    const choice = chooseMotoPython({ override, system, venv, venvDir: MOTO_VENV });
    if ('use' in choice) return choice.use;
    log(choice.notice);
    await createVenv(choice.create, choice.requirement);
    return venvPython(choice.create);
  })();
  return chosen;
}

// `npx tsx test/harness/moto-python.ts`: prints the Python (.ci/run uses it).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.stdout.write(`${await motoPython()}\n`);
}
