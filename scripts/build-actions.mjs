// Bundles each action entry `src/actions/<name>.ts` into `dist/<name>/index.js` (ESM) with ncc.
// `--out <dir>` writes elsewhere (the freshness test builds into a temp dir and compares).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outRoot = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(root, 'dist');
const only = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out');

const entries = (await readdir(path.join(root, 'src/actions')))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

for (const name of entries) {
  const { code, assets } = await ncc(path.join(root, 'src/actions', `${name}.ts`), {
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
    // ts-loader emits declarations as assets; the bundle needs none of them.
    if (/\.d\.ts(\.map)?$/.test(file)) continue;
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), asset.source);
  }
  console.log(`built dist/${name}/index.js (${Buffer.byteLength(code)} bytes)`);
}
