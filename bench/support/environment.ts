/**
 * A production-sized environment for the key benchmarks: environments/production.yaml with its
 * networks extended to 18 (18 networks × 6 key names + the bank = 109 keys), written to a
 * temporary directory so the CLI can load it by path, with the account id of a fresh moto account.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadEnvironmentFile } from '../../src/config/load.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';

export const BENCH_NETWORKS = 18;

export interface BenchEnvironment {
  /** The file, for `nomad-ops keys apply --env <file>`. */
  file: string;
  env: ResolvedEnvironment;
  /** Removes the temporary directory. */
  dispose(): void;
}

export function productionSizedEnvironment(accountId: string): BenchEnvironment {
  const root = path.resolve(import.meta.dirname, '../..');
  const doc = parseDocument(readFileSync(path.join(root, 'environments/production.yaml'), 'utf8'));
  doc.setIn(['aws', 'accountId'], accountId);
  const networks = doc.get('networks') as { items: unknown[] };
  const firstName = String(doc.getIn(['networks', 0, 'name']));
  const keymasterEntry = (
    doc.getIn(['keymaster', 'networks', firstName]) as { toJSON(): unknown }
  ).toJSON();
  for (let i = networks.items.length; i < BENCH_NETWORKS; i++) {
    doc.setIn(['keymaster', 'networks', `mainnet${i + 1}`], doc.createNode(keymasterEntry));
    doc.addIn(
      ['networks'],
      doc.createNode({
        name: `mainnet${i + 1}`,
        chainId: 900000 + i,
        nativeToken: { symbol: 'ETH', decimals: 18 },
        rpcUrlEnv: `MAINNET${i + 1}_RPC_URL`,
      }),
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-bench-env-'));
  const file = path.join(dir, 'production.yaml');
  writeFileSync(file, doc.toString());
  const loaded = loadEnvironmentFile(file);
  if (!loaded.ok) {
    throw new Error(`the benchmark environment does not load: ${JSON.stringify(loaded.problems)}`);
  }
  return { file, env: loaded.env, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
