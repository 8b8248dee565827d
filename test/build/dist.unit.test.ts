import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

// Freshness (dist/ equals a fresh build) is one step of .ci/run, which builds dist/ anyway.
describe('dist/', () => {
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
