// postinstall: Hardhat's EDR ships its native binding as an optional dependency that declares
// `engines.node >= 22`. npm running on an older Node (this project gets Node 24 itself from the
// registry as a devDependency) silently skips it, and every local chain then fails to start.
// When that happened, fetch the exact version EDR pins with `npm pack` and unpack it in place.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const edrDir = path.join(root, 'node_modules/@nomicfoundation/edr');
if (!existsSync(edrDir)) process.exit(0); // production install without devDependencies

const libc =
  process.platform === 'linux'
    ? process.report.getReport().header.glibcVersionRuntime
      ? 'gnu'
      : 'musl'
    : undefined;
const suffix = process.platform === 'win32' ? 'msvc' : libc;
const name = `@nomicfoundation/edr-${process.platform}-${process.arch}${suffix ? `-${suffix}` : ''}`;
const target = path.join(root, 'node_modules', name);
const version = JSON.parse(readFileSync(path.join(edrDir, 'package.json'), 'utf8'))
  .optionalDependencies?.[name];

if (!version) {
  console.warn(
    `ensure-edr-binding: EDR has no native binding for ${process.platform}-${process.arch}`,
  );
  process.exit(0);
}
if (existsSync(path.join(target, 'package.json'))) process.exit(0);

const work = mkdtempSync(path.join(tmpdir(), 'edr-binding-'));
try {
  const npm = process.env.npm_execpath;
  const packArgs = ['pack', `${name}@${version}`, '--pack-destination', work, '--silent'];
  const tarball = npm
    ? execFileSync(process.execPath, [npm, ...packArgs], { encoding: 'utf8' })
    : execFileSync('npm', packArgs, { encoding: 'utf8', shell: process.platform === 'win32' });
  mkdirSync(target, { recursive: true });
  execFileSync('tar', [
    '-xzf',
    path.join(work, tarball.trim().split('\n').pop()),
    '-C',
    target,
    '--strip-components=1',
  ]);
  console.log(
    `ensure-edr-binding: installed ${name}@${version} (npm skipped this optional dependency: it checks engines against the Node it runs on)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
