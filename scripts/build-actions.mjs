// Bundles each action entry into `dist/<name>/index.js` (ESM) with ncc. ncc bundles the entry's
// compiled JavaScript, `lib/actions/<name>.js` (npm run build:lib, which build:actions runs first):
// given the TypeScript, ncc type-checks the whole program once per bundle, which took 4/5 of the
// build time and repeats what `npm run typecheck` does once.
// `--out <dir>` writes elsewhere. Each bundle is built in its own process, as many at once as
// the machine has cores: ncc (webpack) is single-threaded, and the bundles are independent.
// `--jobs <n>` overrides the count; the output is the same whatever the count.
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outRoot = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(root, 'dist');
const jobsIndex = process.argv.indexOf('--jobs');
const jobs = jobsIndex > 0 ? Number(process.argv[jobsIndex + 1]) : availableParallelism();
if (!Number.isInteger(jobs) || jobs < 1) {
  throw new Error(`--jobs takes a positive integer, got "${process.argv[jobsIndex + 1]}"`);
}
const only = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out' && all[i - 1] !== '--jobs');

const entries = (await readdir(path.join(root, 'src/actions')))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

if (entries.length === 1 || jobs === 1) {
  for (const name of entries) await build(name);
} else {
  // One child process per bundle, `jobs` at a time; the first failure fails the build.
  const queue = [...entries];
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) await buildInChild(name);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, entries.length) }, worker));
}

async function build(name) {
  const { default: ncc } = await import('@vercel/ncc');
  const entry = path.join(root, 'lib/actions', `${name}.js`);
  const { code, assets } = await ncc(entry, {
    cache: false,
    minify: true,
    sourceMap: false,
    target: 'es2022',
    license: 'licenses.txt',
    quiet: true,
  });
  const dir = path.join(outRoot, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets ?? {})) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), asset.source);
  }
  console.log(`built dist/${name}/index.js (${Buffer.byteLength(code)} bytes)`);
}

function buildInChild(name) {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [script, '--out', outRoot, name], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`building dist/${name} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}
