import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bucketSuffix, motoEnv, requireChains, requireMotoUrl } from '../harness/emulators.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * A checkout with the shipped environment files, each moved into an account of the test's own
 * (so test files sharing one moto never see each other's resources).
 */
export function workspaceWithAccounts(
  accounts: Record<string, string>,
  options: { bucketSuffix?: string } = {},
): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nomad-ws-'));
  cpSync(path.join(root, 'environments'), path.join(dir, 'environments'), { recursive: true });
  for (const [env, account] of Object.entries(accounts)) {
    const file = path.join(dir, 'environments', `${env}.yaml`);
    let text = readFileSync(file, 'utf8').replace(/accountId: '\d{12}'/, `accountId: '${account}'`);
    // Bucket names are global (in S3 and in moto): a test that applies the bucket next to other
    // tests of the same environment needs a name of its own.
    if (options.bucketSuffix) {
      if (/^proofsBucket:/m.test(text)) throw new Error(`${env}.yaml names its bucket already`);
      text += `proofsBucket:\n  name: nomadxyz-${env}-proofs-${options.bucketSuffix}\n`;
    }
    writeFileSync(file, text);
  }
  return dir;
}

/** AWS variables that make the SDK act in `accountId` on moto (one helper: test/harness). */
export { motoEnv };

/** A development environment on the two harness chains. */
export function developmentOnHarnessChains(
  chains: Array<{ chainId: number }>,
  accountId: string,
): string {
  const [a, b] = chains;
  return `environment: development
aws: { accountId: '${accountId}', region: us-west-2 }
networks:
  - { name: alpha, chainId: ${a!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: ALPHA_RPC_URL }
  - { name: beta, chainId: ${b!.chainId}, nativeToken: { symbol: ETH, decimals: 18 }, rpcUrlEnv: BETA_RPC_URL }
keymaster:
  networks:
    alpha: &net
      roles:
        updater: { lower: '0.5', target: '1' }
        watcher: { lower: '0.2', target: '0.5' }
        relayer: { lower: '0.5', target: '1' }
        processor: { lower: '0.5', target: '1' }
        kathy: { lower: '0.1', target: '0.25' }
      bank: { reserve: '1', alertBelow: '2' }
      capPerRun: '20'
    beta: *net
`;
}

/**
 * A checkout whose development environment lives on the two harness chains (networks alpha and
 * beta) in the given moto account, and the variables that reach both: AWS and RPC URLs.
 */
export async function developmentWorkspace(
  accountId: string,
): Promise<{ cwd: string; vars: Record<string, string> }> {
  const chains = requireChains();
  const cwd = mkdtempSync(path.join(tmpdir(), 'nomad-dev-'));
  mkdirSync(path.join(cwd, 'environments'));
  writeFileSync(
    path.join(cwd, 'environments/development.yaml'),
    // Bucket names are global (moto's too): the proofs bucket, and the Keymaster's state bucket
    // named after it, are this account's own, so no other file's lease or ledger is seen.
    developmentOnHarnessChains(chains, accountId) +
      `proofsBucket:\n  name: nomadxyz-development-proofs-${bucketSuffix(accountId)}\n`,
  );
  const vars = {
    ...(await motoEnv(requireMotoUrl(), accountId)),
    ALPHA_RPC_URL: chains[0]!.url,
    BETA_RPC_URL: chains[1]!.url,
  };
  return { cwd, vars };
}
