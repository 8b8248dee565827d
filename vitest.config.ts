import { readFileSync } from 'node:fs';
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

export default defineConfig({
  plugins: [workflowParserWithoutSourceMaps],
  test: {
    include: ['test/**/*.test.ts'],
    // moto_server and two local chains (31337, 31338), once per run: see test/harness.
    globalSetup: ['test/harness/global-setup.ts'],
    // Integration tests talk to emulators over HTTP and may mine blocks: seconds, not minutes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
