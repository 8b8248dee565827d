import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { freePort, killOnExit, waitUntil } from './process.js';
import { MOTO_REQUIREMENT, motoPython } from './moto-python.js';

/**
 * moto_server for tests, started through moto_launcher.py, which patches moto's KMS so that
 * Sign/Verify with MessageType=DIGEST sign the digest as given (and reject a digest of the wrong
 * length with ValidationException), and GetPublicKey answers KeySpec. See the launcher for the
 * gaps it closes and the ones it leaves.
 *
 * Multi-account: moto keeps separate state per account id. A request acts in the account that
 * owns its access key; unknown keys act in moto's default account 123456789012. STS AssumeRole
 * into `arn:aws:iam::<account>:role/<any>` returns a key owned by <account> (the role need not
 * exist), which is how each test file gets an account of its own: `motoCredentials`.
 * (moto also honours MOTO_ACCOUNT_ID and an `x-moto-account-id` header; the launcher's
 * environment drops MOTO_ACCOUNT_ID, which would pin every request to one account.)
 */
export interface MotoServer {
  url: string;
  stop(): Promise<void>;
}

export interface MotoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export const MOTO_REGION = 'us-east-1';
/** The credentials used to call moto before assuming a role: moto accepts any. */
export const MOTO_BOOTSTRAP_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const LAUNCHER = fileURLToPath(new URL('./moto_launcher.py', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;

export async function startMoto(): Promise<MotoServer> {
  let lastError: unknown;
  // A free port can be taken between probing it and moto binding it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startMotoOnce(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startMotoOnce(port: number): Promise<MotoServer> {
  const python = await motoPython();
  const env = { ...process.env };
  delete env.MOTO_ACCOUNT_ID;
  env.PYTHONDONTWRITEBYTECODE = '1';
  const child = spawn(python, [LAUNCHER, String(port)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const forgetExitHook = killOnExit(child);
  // moto logs every request on stderr; keep only the tail, for startup errors.
  let stderrTail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child).finally(forgetExitHook);
  try {
    await waitUntil(
      async () => (await fetch(`${url}/moto-api/data.json`)).ok,
      STARTUP_TIMEOUT_MS,
      () =>
        child.exitCode !== null || child.signalCode !== null
          ? `moto_server exited (${child.exitCode ?? child.signalCode}) with ${python}. Is ` +
            `${MOTO_REQUIREMENT} installed there? stderr:\n${stderrTail}`
          : undefined,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Credentials that act in `accountId` on the moto server at `url` (12 digits), obtained by
 * assuming a role in that account. Each call returns a fresh key pair.
 */
export async function motoCredentials(url: string, accountId: string): Promise<MotoCredentials> {
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error(`moto account id must be 12 digits, got "${accountId}"`);
  }
  const sts = new STSClient({
    endpoint: url,
    region: MOTO_REGION,
    credentials: MOTO_BOOTSTRAP_CREDENTIALS,
  });
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/test-harness`,
        RoleSessionName: 'test-harness',
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`moto AssumeRole into account ${accountId} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
    };
  } finally {
    sts.destroy();
  }
}
