/**
 * Commands load what they run when they run (`import()` inside the action handler), so
 * `nomad-ops --version`, `--help` and a command's `--help` load neither the AWS SDK nor ethers.
 * Keep every other import of a command module to types and light constants.
 */

/** The environment loader, the AWS clients and the command's own job module, loaded together. */
export async function jobModules<T>(
  job: Promise<T>,
): Promise<[typeof import('../../jobs/environment.js'), typeof import('../../jobs/aws.js'), T]> {
  return Promise.all([import('../../jobs/environment.js'), import('../../jobs/aws.js'), job]);
}
