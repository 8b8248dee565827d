/**
 * Runs every benchmark in bench/ one after another (they start their own emulators) and prints
 * their markdown tables: `npm run bench`, or `npm run bench -- keys` for the ones matching "keys".
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const filter = process.argv[2];
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(dir, file)],
    {
      stdio: 'inherit',
      timeout: 15 * 60_000,
    },
  );
  if (result.status !== 0) {
    failed++;
    console.log(`(${file} failed with exit code ${result.status})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
