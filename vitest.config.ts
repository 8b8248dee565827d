import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig, type Plugin } from 'vitest/config';

const WORKFLOW_PARSER = '/node_modules/@actions/workflow-parser/';

/**
 * @actions/workflow-parser imports its JSON schemas without `with { type: 'json' }`, which Node's
 * ESM loader refuses, so vite loads it (deps.inline below). Its source maps point at sources it
 * does not ship; load it without them, so vite does not warn about every file.
 */
const workflowParserWithoutSourceMaps: Plugin = {
  name: 'workflow-parser-without-source-maps',
  enforce: 'pre',
  load(id) {
    if (!id.includes(WORKFLOW_PARSER) || !id.endsWith('.js')) return null;
    return readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  },
};

/**
 * The unit project: pure logic over data and files, no emulator, no server, no child process.
 * A file is in it by its name, `*.unit.test.ts`: it has no global setup, so such a file that asks
 * for moto or the chains fails (see test/harness/emulators.ts) instead of silently starting them.
 * Every other test file is integration.
 */
export const UNIT_TESTS = 'test/**/*.unit.test.ts';

export default defineConfig({
  plugins: [workflowParserWithoutSourceMaps],
  test: {
    // One worker more than the cores (vitest's default is one fewer): integration files spend most
    // of their time waiting on moto, the chains and the processes they start, so a third file
    // on two cores keeps both busy. Files never share an account, a funding key or a chain whose
    // mining they change (test/harness), so they may run side by side.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [UNIT_TESTS],
          // Pure tests mock nothing and set no globals, so files share a worker's module cache:
          // the AWS SDK, ethers and zod are imported once per worker instead of once per file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [UNIT_TESTS],
          // moto_server and two local chains (31337, 31338), once per run: see test/harness.
          // Integration tests talk to emulators over HTTP and may mine blocks: seconds, not minutes.
          globalSetup: ['test/harness/global-setup.ts'],
          // Files share a worker's modules (the AWS SDK, ethers and hardhat load once per worker,
          // not once per file): none mocks a module, and the one that sets a variable restores it.
          isolate: false,
        },
      },
    ],
  },
});
