// Preloaded with `node --import` by test/cli/startup.test.ts: records the URL of every module the
// process loads (ESM and CommonJS, through Node's synchronous module hooks) and writes them, one a
// line, to the file named by NOMAD_OPS_MODULE_LOG when the process exits.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const log = process.env.NOMAD_OPS_MODULE_LOG;
if (!log) throw new Error('record-modules.mjs: set NOMAD_OPS_MODULE_LOG to the file to write');
const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => writeFileSync(log, [...loaded].join('\n') + '\n'));
