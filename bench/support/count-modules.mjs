// Preloaded with `node --import` by bench/startup.bench.ts: counts the modules a process loads
// (ESM and CommonJS) and whether the AWS SDK or ethers are among them, and writes it as one line
// of JSON to the file named by NOMAD_BENCH_MODULES when the process exits.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const urls = new Set();
registerHooks({
  load(url, context, next) {
    urls.add(url);
    return next(url, context);
  },
});
process.on('exit', () => {
  const files = [...urls].filter((u) => u.startsWith('file:'));
  writeFileSync(
    process.env.NOMAD_BENCH_MODULES,
    JSON.stringify({
      files: files.length,
      awsSdk: files.some((u) => u.includes('/@aws-sdk/')),
      ethers: files.some((u) => u.includes('/ethers/')),
    }),
  );
});
