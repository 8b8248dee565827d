import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';
import { MAX_STRING_LENGTH } from '../../src/config/string-limits.js';
import { cli } from './helpers.js';

/**
 * Issue 28 item 3, one validation run first (DESIGN §3): every bad environment file under
 * test/fixtures/bad, and a 900 KB string, is refused the same way by `validate`, `plan --offline`
 * and each plan and apply (keys, iam, bucket): exit 2, every problem as `file:line:col: field:
 * what`, and not one request to AWS (the SDK is pointed at a server that counts what reaches it).
 */

const root = fileURLToPath(new URL('../fixtures/bad/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? yamlFiles(join(dir, entry.name))
      : entry.name.endsWith('.yaml')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** A 900 KB CORS origin (too big a fixture to keep in the repository), from a good body. */
function hugeStringFile(): string {
  const good = readFileSync(join(root, 'cors-origin-two-wildcards.yaml'), 'utf8');
  const file = join(mkdtempSync(join(tmpdir(), 'nomad-bad-')), 'huge-string.yaml');
  writeFileSync(file, good.replace('"**"', `"https://${'a'.repeat(900 * 1024)}.example"`));
  return file;
}

let server: Server;
let requests = 0;
let endpoint = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const COMMANDS = (file: string) => [
  ['validate', file],
  ['plan', '--env', file, '--offline'],
  ['keys', 'plan', '--env', file],
  ['keys', 'apply', '--env', file],
  ['iam', 'plan', '--env', file],
  ['iam', 'apply', '--env', file],
  ['bucket', 'plan', '--env', file],
  ['bucket', 'apply', '--env', file],
];

const huge = hugeStringFile();
const files = [...yamlFiles(root).sort(), huge];

describe('a bad environment file, through every command', () => {
  it('includes the four cases of issue 28', () => {
    const names = files.map((f) => relative(root, f));
    expect(names).toEqual(
      expect.arrayContaining([
        'github-repository-dot-dot.yaml',
        'cors-origin-two-wildcards.yaml',
        'cors-origins-empty.yaml',
      ]),
    );
    const loaded = loadEnvironmentFile(huge);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.problems.map((p) => [p.path, p.message])).toEqual([
        [
          'proofsBucket.corsOrigins[0]',
          expect.stringContaining(`a value of an environment file is at most ${MAX_STRING_LENGTH}`),
        ],
      ]);
    }
  });

  it.each(files.map((f) => [relative(root, f), f]))(
    '%s: the same problems, exit 2, no AWS call',
    async (_name, file) => {
      const loaded = loadEnvironmentFile(file);
      if (loaded.ok) throw new Error('loaded a broken file without problems');
      const lines = loaded.problems.map(formatProblem);
      const env = {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDBADINPUTMATRIX',
        AWS_SECRET_ACCESS_KEY: 'bad-input-matrix-secret',
      };
      requests = 0;
      for (const args of COMMANDS(file)) {
        const run = await cli(args, { env });
        expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(2);
        const said = run.stdout + run.stderr;
        for (const line of lines) expect(said, args.join(' ')).toContain(line);
      }
      expect(requests).toBe(0);
    },
    60_000,
  );
});
