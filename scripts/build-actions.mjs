// Bundles each action entry `src/actions/<name>.ts` into `dist/<name>/index.js` (ESM, minified)
// with esbuild, and writes beside it `licenses.txt` (the licence of every package in the bundle)
// and a package.json that makes Node load the bundle as an ES module wherever the action runs.
// `--out <dir>` writes elsewhere; names given as arguments build only those actions.
//
// esbuild strips the types without checking them (`npm run typecheck` does that once, and
// tsconfig's isolatedModules keeps every file transpilable alone): the bundles take seconds.
import { readFile, readdir, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

// Bundled CommonJS packages call require() for Node's built-ins, which an ES module lacks.
const REQUIRE_SHIM =
  "import { createRequire as __nomadCreateRequire } from 'node:module';\n" +
  'const require = __nomadCreateRequire(import.meta.url);';

await Promise.all(entries.map(bundle));

async function bundle(name) {
  const dir = path.join(outRoot, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: [path.join('src/actions', `${name}.ts`)],
    outfile: path.join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: 'warning',
  });
  await writeFile(path.join(dir, 'licenses.txt'), await licenses(Object.keys(metafile.inputs)));
  await writeFile(path.join(dir, 'package.json'), '{\n  "type": "module"\n}\n');
  const bytes = metafile.outputs[path.relative(root, path.join(dir, 'index.js'))]?.bytes;
  console.log(`built ${path.relative(root, dir)}/index.js (${bytes} bytes)`);
}

/**
 * Each bundled package (each installed copy, where two versions are bundled), by name: its name,
 * its licence, and its licence file's text.
 */
async function licenses(inputs) {
  const packages = new Map(); // directory -> name
  for (const input of inputs) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const parts = input.slice(at + 'node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    packages.set(path.join(root, input.slice(0, at), 'node_modules', name), name);
  }
  const sections = [];
  const byName = ([dirA, a], [dirB, b]) => (a === b ? (dirA < dirB ? -1 : 1) : a < b ? -1 : 1);
  for (const [dir, name] of [...packages].sort(byName)) {
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const licence =
      typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? '');
    const file = (await readdir(dir)).sort().find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? (await readFile(path.join(dir, file), 'utf8')).trim() : '';
    sections.push([name, licence, text].filter(Boolean).join('\n'));
  }
  return sections.join('\n\n') + '\n';
}
