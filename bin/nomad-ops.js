#!/usr/bin/env node
// Runs the compiled CLI (`npm run build:lib` produces lib/).
await import('../lib/cli/main.js');
