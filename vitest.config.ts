import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // moto_server and two local chains (31337, 31338), once per run: see test/harness.
    globalSetup: ['test/harness/global-setup.ts'],
    // Integration tests talk to emulators over HTTP and may mine blocks: seconds, not minutes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
