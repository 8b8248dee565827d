import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const fresh = mkdtempSync(path.join(tmpdir(), 'nomad-dist-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

describe('dist/', () => {
  it('is what a fresh build produces (run `npm run build:actions` and commit dist/)', () => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build-actions.mjs'), '--out', fresh], {
      cwd: root,
      stdio: 'pipe',
      timeout: 600_000,
    });
    const committed = filesUnder(path.join(root, 'dist'));
    expect(committed).toEqual(filesUnder(fresh));
    for (const file of committed) {
      const same = readFileSync(path.join(root, 'dist', file)).equals(
        readFileSync(path.join(fresh, file)),
      );
      expect(same, `dist/${file} is stale: run npm run build:actions`).toBe(true);
    }
  }, 600_000);

  it('has one bundle per action, and each action.yml runs it on node24', () => {
    const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const entries = readdirSync(path.join(root, 'src/actions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(actions).toEqual(entries);
    for (const name of actions) {
      const meta = parse(readFileSync(path.join(root, 'actions', name, 'action.yml'), 'utf8')) as {
        runs: { using: string; main: string };
      };
      expect(meta.runs.using).toBe('node24');
      expect(path.resolve(root, 'actions', name, meta.runs.main)).toBe(
        path.join(root, 'dist', name, 'index.js'),
      );
    }
  });
});
