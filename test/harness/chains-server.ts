/**
 * Standalone local chains, for the demo script, benchmarks and anything outside vitest:
 *   npx tsx test/harness/chains-server.ts [chainId ...]   (default: 31337 31338)
 * Prints one line of JSON `{"chains":[{"chainId":31337,"url":"http://127.0.0.1:PORT"},...]}` on
 * stdout once every chain answers, and stops cleanly on SIGTERM or SIGINT, or when the process
 * that started it goes away: its parent pid changes, or its stdin, when it is a pipe, closes.
 * Spawn it with `stdio: ['pipe', 'pipe', 'inherit']`: the stdin pipe closes when the spawner dies,
 * however it dies, through the npx and tsx wrapper processes (which do not forward a parent's death).
 */
import { fstatSync } from 'node:fs';
import { startChains } from './chains.js';

const DEFAULT_CHAIN_IDS = [31337, 31338];

function parseChainIds(args: string[]): number[] {
  if (args.length === 0) return DEFAULT_CHAIN_IDS;
  return args.map((arg) => {
    const chainId = Number(arg);
    if (!Number.isSafeInteger(chainId) || chainId <= 0) {
      throw new Error(`chain id must be a positive integer, got "${arg}"`);
    }
    return chainId;
  });
}

const running = await startChains(parseChainIds(process.argv.slice(2)));
process.stdout.write(JSON.stringify({ chains: running.chains }) + '\n');

const parentPid = process.ppid;
let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(orphanWatch);
  await running.stop();
  process.exit(0);
}
// Never outlive the process that started us, even if it was killed without a chance to stop us.
const orphanWatch = setInterval(() => {
  if (process.ppid !== parentPid) void shutdown();
}, 500);
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('close', () => void shutdown());
  process.stdin.resume();
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
