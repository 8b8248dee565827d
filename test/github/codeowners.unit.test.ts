import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownersOf, parseCodeowners } from '../../src/github/codeowners.js';
import { OWNED_DIRECTORIES } from '../../src/github/settings-main.js';

const owners = (text: string, file: string) => ownersOf(parseCodeowners(text), file).owners;

describe('CODEOWNERS matching', () => {
  it('follows GitHub: anchoring, directories, wildcards, last match wins', () => {
    expect(owners('* @all', 'dist/keymaster/index.js')).toEqual(['@all']);
    expect(owners('/dist/ @a', 'dist/keymaster/index.js')).toEqual(['@a']);
    expect(owners('/dist/ @a', 'src/dist/x.ts')).toEqual([]);
    expect(owners('dist/ @a', 'src/dist/x.ts')).toEqual(['@a']);
    expect(owners('/environments @a', 'environments/staging.yaml')).toEqual(['@a']);
    expect(owners('docs/* @a', 'docs/x.md')).toEqual(['@a']);
    expect(owners('docs/* @a', 'docs/github/x.json')).toEqual([]);
    expect(owners('**/action.yml @a', 'actions/keymaster/action.yml')).toEqual(['@a']);
    expect(owners('*.yml @a', '.github/workflows/ci.yml')).toEqual(['@a']);
    expect(owners('* @all\n/actions/ @a # the actions\n', 'actions/x/action.yml')).toEqual(['@a']);
    expect(owners('/actions/ @a\n/actions/keymaster/\n', 'actions/keymaster/action.yml')).toEqual(
      [],
    );
    expect(owners('# /dist/ @a\n', 'dist/x.js')).toEqual([]);
  });

  it("the repository's own CODEOWNERS gives every guarded directory an owner", () => {
    const text = readFileSync(
      path.resolve(import.meta.dirname, '../../.github/CODEOWNERS'),
      'utf8',
    );
    for (const dir of OWNED_DIRECTORIES) {
      expect([dir, owners(text, `${dir}some/file`)]).toEqual([dir, ['@your-org/nomad-ops-owners']]);
    }
  });
});
