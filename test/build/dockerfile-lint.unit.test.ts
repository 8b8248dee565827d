import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script (scripts/lint-dockerfile.mjs), no declarations.
import { lintDockerfile } from '../../scripts/lint-dockerfile.mjs';

const lint = lintDockerfile as (file: string, text: string) => string[];
const root = path.resolve(import.meta.dirname, '../..');

describe('the Dockerfile lint (.ci/run)', () => {
  it('finds no problem in deploy/Dockerfile', () => {
    const text = readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8');
    expect(lint('deploy/Dockerfile', text)).toEqual([]);
  });

  it('names file, line and column of a bad instruction, a bad port and a second CMD', () => {
    const bad = 'FROM node:24\nRUNN npm ci\nEXPOSE abc\nCMD ["a"]\nCMD ["b"]\nworkdir /x\n';
    const problems = lint('x/Dockerfile', bad);
    expect(problems).toContainEqual('x/Dockerfile:2:1: error: Unknown instruction: RUNN');
    expect(problems).toContainEqual('x/Dockerfile:3:8: error: Invalid containerPort: abc');
    expect(problems.some((p) => /^x\/Dockerfile:4:1: warning: .*only be one CMD/.test(p))).toBe(
      true,
    );
    // Casing is a warning the script sets on purpose: lower-case `workdir` is flagged.
    expect(problems.some((p) => p.startsWith('x/Dockerfile:6:1: warning:'))).toBe(true);
  });
});
